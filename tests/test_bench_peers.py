"""benchmarks/peers/bench_peers.py: padding for aeon, resumable rows (a stub estimator: aeon is no dependency)."""

import csv

import numpy as np
import pytest

from benchmarks.peers import bench_peers


class NearestCentroid:
    """A stand-in for the peer with its interface: fit(X, y), predict(X) on (n, channels, length) arrays."""

    def __init__(self, seed, n_jobs):
        self.seed, self.n_jobs = seed, n_jobs

    def fit(self, X, y):
        assert X.ndim == 3 and X.shape[2] >= bench_peers.MIN_LENGTH and not np.isnan(X).any()
        self.classes_ = np.unique(y)
        self.centroids_ = np.stack([X[y == c].reshape((y == c).sum(), -1).mean(0) for c in self.classes_])
        return self

    def predict(self, X):
        d = ((X.reshape(len(X), 1, -1) - self.centroids_[None]) ** 2).sum(-1)
        return self.classes_[d.argmin(1)]


def test_pad_last_value_repeats_each_channels_last_value():
    X = np.array([[[1.0, 2.0, 3.0, np.nan], [4.0, 5.0, 6.0, np.nan]],
                  [[1.0, 2.0, 3.0, 7.0], [4.0, 5.0, 6.0, 8.0]]])
    out, how = bench_peers.pad_last_value(X, 6)
    assert out.shape == (2, 2, 6)
    np.testing.assert_array_equal(out[0], [[1, 2, 3, 3, 3, 3], [4, 5, 6, 6, 6, 6]])
    np.testing.assert_array_equal(out[1], [[1, 2, 3, 7, 7, 7], [4, 5, 6, 8, 8, 8]])
    assert how == "unequal lengths 3-4 padded to 6 by repeating each channel's last value"
    same, how = bench_peers.pad_last_value(out, 6)
    assert how == "none" and same.shape == out.shape
    _, how = bench_peers.pad_last_value(np.ones((3, 2, 8)), bench_peers.MIN_LENGTH)
    assert how == "length 8 padded to 10 by repeating each channel's last value"


def test_rows_are_written_once_and_a_rerun_resumes(tmp_path, monkeypatch):
    monkeypatch.setitem(bench_peers.METHODS, "stub", NearestCentroid)
    out = tmp_path / "peers.csv"
    argv = ["--datasets", "BasicMotions", "JapaneseVowels", "--seeds", "0", "1", "--method", "stub",
            "--out", str(out)]
    bench_peers.main(argv)
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert [(r["dataset"], r["seed"]) for r in rows] == [
        ("BasicMotions", "0"), ("JapaneseVowels", "0"), ("BasicMotions", "1"), ("JapaneseVowels", "1")]
    by = {r["dataset"]: r for r in rows}
    assert by["BasicMotions"]["padding"] == "none"
    assert by["JapaneseVowels"]["padding"].startswith("unequal lengths")
    assert all(0 <= float(r["accuracy"]) <= 1 and float(r["fit_seconds"]) >= 0 and r["n_jobs"] == "1"
               and r["load1_before"] for r in rows)
    # Resumable: nothing left to do, no row appended; a new seed adds only its rows.
    assert bench_peers.run(None, ["BasicMotions", "JapaneseVowels"], [0, 1], "stub", 1, out) == []
    assert len(bench_peers.run(None, ["BasicMotions"], [0, 2], "stub", 1, out)) == 1
    with out.open() as f:
        assert len(list(csv.DictReader(f))) == 5


def test_the_real_peer_fits_padded_short_series():
    pytest.importorskip("aeon")
    rng = np.random.default_rng(0)
    X, how = bench_peers.pad_last_value(rng.standard_normal((20, 2, 8)))
    assert X.shape[2] == bench_peers.MIN_LENGTH and how.startswith("length 8")
    clf = bench_peers.multirocket_hydra(0, 1).fit(X, np.arange(20) % 2)
    assert clf.predict(X).shape == (20,)
