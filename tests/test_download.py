"""Downloading a dataset, for real, from an HTTP server on 127.0.0.1 (no outside network)."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
import time
import zipfile

import numpy as np
import pytest

from mlstm_fcn import datasets
from mlstm_fcn.datasets import DownloadError, archive, download_uea, load_uea

TS = """# a toy dataset
@problemName Toy
@timeStamps false
@missing false
@univariate false
@dimensions 2
@equalLength true
@seriesLength 4
@classLabel true up down
@data
{rows}"""


def toy_ts(n: int, offset: float) -> str:
    rows = "".join(f"{i + offset},1,2,3:4,5,6,{i}:{'up' if i % 2 else 'down'}\n" for i in range(n))
    return TS.format(rows=rows)


def make_zip(files: dict[str, str], stored: bool = False) -> bytes:
    buffer = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buffer, "w", method) as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buffer.getvalue()


GOOD = make_zip({"Toy_TRAIN.ts": toy_ts(6, 0.0), "Toy_TEST.ts": toy_ts(4, 100.0)})


class Server:
    """Routes: path -> (status, body, bytes actually sent or None for all, delay in s)."""

    def __init__(self):
        self.routes: dict[str, tuple[int, bytes, int | None, float]] = {}
        self.hits: list[str] = []
        routes, hits = self.routes, self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                hits.append(self.path)
                status, body, sent, delay = routes.get(self.path, (404, b"not found", None, 0.0))
                time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[:sent] if sent is not None else body)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    return
                if sent is not None:
                    self.close_connection = True  # drop the connection mid-file

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/data/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def serve(self, name, body, status=200, sent=None, delay=0.0):
        self.routes[f"/data/{name}.zip"] = (status, body, sent, delay)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty user cache, and no $MLSTM_FCN_DATA, so that nothing real is read or written."""
    monkeypatch.delenv(datasets.DATA_ENV, raising=False)
    monkeypatch.delenv(datasets.URL_ENV, raising=False)
    # Patched where it is looked up: load_uea and the search path live in datasets.archive.
    monkeypatch.setattr(archive, "user_cache_dir", lambda: tmp_path / "cache")
    return tmp_path / "cache"


def assert_nothing_left(cache_dir):
    assert not cache_dir.exists() or list(cache_dir.iterdir()) == []


def test_download_then_load_from_the_cache(server, cache):
    server.serve("Toy", GOOD)
    X, y = load_uea("Toy", "train", download=True, base_url=server.url, timeout=5)
    assert X.shape == (6, 2, 4) and X.dtype == np.float32
    np.testing.assert_array_equal(X[3], [[3, 1, 2, 3], [4, 5, 6, 3]])
    assert y.tolist() == ["down", "up"] * 3
    assert sorted(p.name for p in (cache / "Toy").iterdir()) == ["Toy_TEST.ts", "Toy_TRAIN.ts"]
    assert [p.name for p in cache.iterdir()] == ["Toy"]  # no temporary files left
    X_test, _ = load_uea("Toy", "test", download=True, base_url=server.url)
    assert X_test[0, 0, 0] == 100.0
    assert server.hits == ["/data/Toy.zip"]  # the second load came from the cache


def test_members_in_a_subfolder_and_the_url_from_the_environment(server, cache, monkeypatch):
    server.serve("Toy", make_zip({"Toy/Toy_TRAIN.ts": toy_ts(2, 0), "Toy/Toy_TEST.ts": toy_ts(2, 0),
                                  "Toy/Toy_TRAIN.arff": "ignored"}))
    monkeypatch.setenv(datasets.URL_ENV, server.url)
    folder = download_uea("Toy", cache)
    assert sorted(p.name for p in folder.iterdir()) == ["Toy_TEST.ts", "Toy_TRAIN.ts"]


def test_checksum_is_verified_when_given(server, cache):
    server.serve("Toy", GOOD)
    with pytest.raises(DownloadError, match="sha256 mismatch"):
        download_uea("Toy", cache, base_url=server.url, sha256="0" * 64)
    assert_nothing_left(cache)
    download_uea("Toy", cache, base_url=server.url, sha256=hashlib.sha256(GOOD).hexdigest())
    assert (cache / "Toy" / "Toy_TRAIN.ts").is_file()


def test_404_names_the_url_and_leaves_nothing(server, cache):
    with pytest.raises(DownloadError, match=r"Nope\.zip: HTTP 404"):
        load_uea("Nope", download=True, base_url=server.url, timeout=5)
    assert_nothing_left(cache)


def test_connection_dropped_mid_file_leaves_nothing(server, cache):
    server.serve("Toy", GOOD, sent=len(GOOD) // 2)
    with pytest.raises(DownloadError, match="incomplete|connection"):
        download_uea("Toy", cache, base_url=server.url, timeout=5)
    assert_nothing_left(cache)
    with pytest.raises(FileNotFoundError):  # and the dataset is not half there
        load_uea("Toy", download=False)


def test_not_a_zip(server, cache):
    server.serve("Toy", b"<html>moved</html>" * 10)
    with pytest.raises(DownloadError, match="not a valid zip"):
        download_uea("Toy", cache, base_url=server.url, timeout=5)
    assert_nothing_left(cache)


def test_corrupt_member_is_detected_by_crc(server, cache):
    body = bytearray(make_zip({"Toy_TRAIN.ts": toy_ts(6, 0), "Toy_TEST.ts": toy_ts(4, 0)}, stored=True))
    at = body.index(b"@problemName")  # inside the first member's (uncompressed) data
    body[at + 1] ^= 0xFF
    server.serve("Toy", bytes(body))
    with pytest.raises(DownloadError, match="CRC"):
        download_uea("Toy", cache, base_url=server.url, timeout=5)
    assert_nothing_left(cache)


def test_archive_without_both_splits(server, cache):
    server.serve("Toy", make_zip({"Toy_TRAIN.ts": toy_ts(2, 0)}))
    with pytest.raises(DownloadError, match="lacks Toy_TEST.ts"):
        download_uea("Toy", cache, base_url=server.url, timeout=5)
    assert_nothing_left(cache)


def test_a_stalled_server_hits_the_timeout(server, cache):
    server.serve("Toy", GOOD, delay=3.0)
    start = time.monotonic()
    with pytest.raises(DownloadError):
        download_uea("Toy", cache, base_url=server.url, timeout=0.3)
    assert time.monotonic() - start < 2.5
    assert_nothing_left(cache)


def test_an_incomplete_folder_in_the_cache_is_replaced(server, cache):
    (cache / "Toy").mkdir(parents=True)
    (cache / "Toy" / "Toy_TRAIN.ts").write_text("half")
    server.serve("Toy", GOOD)
    X, _ = load_uea("Toy", "test", download=True, base_url=server.url, timeout=5)
    assert X.shape == (4, 2, 4)
    assert [p.name for p in cache.iterdir()] == ["Toy"]


def test_names_that_could_escape_the_cache_are_refused(server, cache):
    for bad in ("../Toy", "a/b", "", ".hidden"):
        with pytest.raises(ValueError, match="Not a UEA dataset name"):
            download_uea(bad, cache, base_url=server.url)
    assert server.hits == []


def test_a_complete_copy_already_there_is_kept(server, cache):
    """As when another process finished the same download first: its files stay, ours are dropped."""
    server.serve("Toy", GOOD)
    (cache / "Toy").mkdir(parents=True)
    for split in ("TRAIN", "TEST"):
        (cache / "Toy" / f"Toy_{split}.ts").write_text(toy_ts(1, 7.0))
    folder = download_uea("Toy", cache, base_url=server.url, timeout=5)
    X, _ = datasets.load_ts(folder / "Toy_TRAIN.ts")
    assert X.shape == (1, 2, 4) and X[0, 0, 0] == 7.0
    assert [p.name for p in cache.iterdir()] == ["Toy"]


def test_a_zip_whose_ts_files_do_not_read_never_enters_the_cache(server, cache):
    html = "<html><body>Service unavailable</body></html>\n"
    server.serve("Toy", make_zip({"Toy_TRAIN.ts": html, "Toy_TEST.ts": html}))
    with pytest.raises(DownloadError, match=r"Toy_T\w+\.ts in the archive is not a readable .ts file "
                                           r"\(line 1 is data before the @data tag.*nothing was added"):
        load_uea("Toy", "train", download=True, base_url=server.url, timeout=5)
    assert_nothing_left(cache)
    server.serve("Toy", GOOD)  # fixed on the server: the next call fetches it
    X, _ = load_uea("Toy", "train", download=True, base_url=server.url, timeout=5)
    assert X.shape == (6, 2, 4)


class _Trickle(http.server.BaseHTTPRequestHandler):
    """One byte of a 1000-byte body every 50 ms: each read answers, the whole never comes."""

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        try:
            for _ in range(1000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            return

    def log_message(self, *args):
        pass


def test_a_trickling_server_meets_the_overall_deadline(cache):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    try:
        start = time.monotonic()
        with pytest.raises(DownloadError, match="longer than its deadline of 0.5 s"):
            download_uea("Toy", cache, base_url=f"http://127.0.0.1:{httpd.server_address[1]}/", timeout=5,
                         deadline=0.5)
        assert time.monotonic() - start < 3.0
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert_nothing_left(cache)


@pytest.mark.parametrize("option", [{"timeout": 0}, {"timeout": -1.0}, {"deadline": float("nan")},
                                    {"deadline": "60"}])
def test_timeout_and_deadline_must_be_positive_seconds(server, cache, option):
    with pytest.raises(ValueError, match="must be a positive number of seconds"):
        download_uea("Toy", cache, base_url=server.url, **option)
    assert server.hits == []


def test_an_interrupted_download_leaves_nothing(server, cache, monkeypatch):
    from mlstm_fcn.datasets import download

    def interrupted(*args):
        raise KeyboardInterrupt
    monkeypatch.setattr(download, "_fetch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        download_uea("Toy", cache, base_url=server.url, timeout=5)
    assert_nothing_left(cache)


def test_the_folder_of_a_killed_download_is_removed_by_the_next(server, cache):
    # A process killed outright (SIGKILL) cannot clean up; its pid names it as no longer running.
    stale = cache / ".Toy-999999999-k3j2.part"
    (stale / "Toy").mkdir(parents=True)
    server.serve("Toy", GOOD)
    download_uea("Toy", cache, base_url=server.url, timeout=5)
    assert [p.name for p in cache.iterdir()] == ["Toy"]


@pytest.mark.parametrize("name", ["Toy\n", "Toy\r\n", "\nToy", "Toy "])
def test_a_name_must_be_a_name_to_its_end(server, cache, name):
    with pytest.raises(ValueError, match="Not a UEA dataset name"):
        load_uea(name, download=True, base_url=server.url)
    assert server.hits == [] and not datasets.download.is_dataset_name(name)
