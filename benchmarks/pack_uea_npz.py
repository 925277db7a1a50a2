"""The UEA datasets of the benchmarks packed into one ``.npz``, and read back without sktime.

Reading ``.ts`` files needs sktime, which the GPU machine does not have; this
packs the datasets listed in an archive's ``MANIFEST.tsv`` (the 12 shared
ones) into one compressed ``.npz`` made here and carried there. Per dataset
and split it holds ``<name>/<split>/X`` (float32, ``(n, channels, length)``,
unequal-length series padded with trailing NaN, which the estimator reads as
unequal lengths) and ``<name>/<split>/y`` (labels as unicode strings), and
no pickled objects.

    python -m benchmarks.pack_uea_npz --archive ../shared/uea --out benchmarks/data/uea12.npz

Benchmarks take the file wherever they take an archive folder
(``--archive benchmarks/data/uea12.npz``): :func:`load_split` reads either.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from benchmarks import REPO

#: Where the packed set goes by default (ignored by git: carried to the GPU machine, not committed).
DEFAULT_OUT = REPO / "benchmarks" / "data" / "uea12.npz"
#: The packed set must travel with the working tree to the GPU machine (64 MiB in all).
MAX_BYTES = 50 * 2**20


def manifest_names(archive: Path) -> list[str]:
    """Dataset names listed in ``<archive>/MANIFEST.tsv``."""
    with (archive / "MANIFEST.tsv").open(newline="") as f:
        return [row["name"] for row in csv.DictReader(f, delimiter="\t")]


def pack(archive: Path, out: Path, names: list[str] | None = None) -> dict:
    """Write the ``train`` and ``test`` splits of ``names`` (default: the manifest's) to ``out``.

    Returns
    -------
    summary : dict
        ``{"path", "bytes", "datasets": {name: {split: shape}}}``.

    Raises
    ------
    SystemExit
        When the file would exceed :data:`MAX_BYTES`.
    """
    from mlstm_fcn.datasets import load_uea

    names = names or manifest_names(archive)
    arrays, shapes = {}, {}
    for name in names:
        for split in ("train", "test"):
            X, y = load_uea(name, split, data_dir=archive)
            arrays[f"{name}/{split}/X"] = np.asarray(X, dtype=np.float32)
            arrays[f"{name}/{split}/y"] = np.asarray(y).astype(str)
            shapes.setdefault(name, {})[split] = list(arrays[f"{name}/{split}/X"].shape)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)
    size = out.stat().st_size
    if size > MAX_BYTES:
        raise SystemExit(f"{out} is {size / 2**20:.1f} MiB, over the {MAX_BYTES / 2**20:.0f} MiB it may carry")
    return {"path": str(out), "bytes": size, "datasets": shapes}


def packed_names(path: str | Path) -> list[str]:
    """Datasets in a packed file."""
    with np.load(path, allow_pickle=False) as f:
        return sorted({key.split("/")[0] for key in f.files})


def load_packed(path: str | Path, name: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` of one split of a packed dataset (no sktime, no pickle)."""
    with np.load(path, allow_pickle=False) as f:
        key = f"{name}/{split.lower()}"
        if f"{key}/X" not in f.files:
            raise KeyError(f"{path} holds no {split} split of {name!r}; it holds {packed_names(path)}")
        return f[f"{key}/X"], f[f"{key}/y"]


def load_split(name: str, split: str, archive: str | Path | None) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` from a packed ``.npz`` (no sktime needed) or, otherwise, through ``load_uea``."""
    if archive is not None and str(archive).endswith(".npz"):
        return load_packed(archive, name, split)
    from mlstm_fcn.datasets import load_uea

    return load_uea(name, split, data_dir=archive)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", required=True, help="UEA archive folder with MANIFEST.tsv")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument("--datasets", nargs="*", default=None, help="default: every dataset of the manifest")
    args = parser.parse_args()
    summary = pack(Path(args.archive), Path(args.out), args.datasets)
    print(f"wrote {summary['path']}: {summary['bytes'] / 2**20:.1f} MiB, {len(summary['datasets'])} datasets")
    for name, splits in summary["datasets"].items():
        print(f"  {name:28s} train {splits['train']} test {splits['test']}")


if __name__ == "__main__":
    main()
