"""Downloading one UEA dataset (``<Name>.zip``) into a cache directory, atomically.

Only the standard library is used (``urllib``). The archive is fetched into a
temporary file beside the cache, checked (byte count against
``Content-Length``, sha256 when one is given, the zip's own CRCs, the two
``.ts`` files present and readable as ``.ts`` files), unpacked into a
temporary folder and only then renamed to ``<cache>/<Name>``. A download that
fails at any point, or is interrupted, leaves neither a partial dataset nor
temporary files behind; the temporary folder of a process that was killed
outright is removed by the next download into the same cache. Each network
operation may block for ``timeout`` seconds, and the whole download may take
``deadline`` seconds (checked between reads, so that a server trickling bytes
cannot hold it forever).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

#: Where the archive serves ``<Name>.zip`` (the aeon toolkit's mirror of the .ts files).
DEFAULT_BASE_URL = "https://www.timeseriesclassification.com/aeon-toolkit/"
#: Environment variable overriding :data:`~mlstm_fcn.datasets.download.DEFAULT_BASE_URL` (e.g. an institutional mirror).
URL_ENV = "MLSTM_FCN_UEA_URL"
#: Seconds any single network operation (connect, each read) may block.
DEFAULT_TIMEOUT = 60.0
#: Seconds a whole download may take, however the server trickles its bytes.
DEFAULT_DEADLINE = 1800.0

_CHUNK = 1 << 16
_VALID_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]*")


class DownloadError(OSError):
    """A dataset could not be downloaded or the download failed verification."""


def check_name(name: str) -> str:
    """Refuse names that could escape the archive directory (``..``, slashes).

    Parameters
    ----------
    name : str
        A dataset name, about to become part of a path and a URL.

    Returns
    -------
    name : str
        ``name`` itself, when it is letters, digits, ``_`` and ``-`` only
        (not starting with ``_`` or ``-``).

    Raises
    ------
    ValueError
        Otherwise.
    """
    if not is_dataset_name(name):
        raise ValueError(f"Not a UEA dataset name: {name!r} (letters, digits, '_' and '-' only).")
    return name


def is_dataset_name(name: object) -> bool:
    """Whether ``name`` passes :func:`check_name`: the whole of it (a final newline included) letters, digits,
    ``_`` and ``-``, not starting with ``_`` or ``-``."""
    return isinstance(name, str) and _VALID_NAME.fullmatch(name) is not None


def dataset_url(name: str, base_url: str | None = None) -> str:
    """URL of ``<name>.zip`` under ``base_url``.

    Parameters
    ----------
    name : str
        Dataset name (checked with :func:`check_name`).
    base_url : str, optional
        Default ``$MLSTM_FCN_UEA_URL``, else :data:`~mlstm_fcn.datasets.download.DEFAULT_BASE_URL`.

    Returns
    -------
    url : str
    """
    base = base_url or os.environ.get(URL_ENV) or DEFAULT_BASE_URL
    return base.rstrip("/") + "/" + check_name(name) + ".zip"


def _fetch(url: str, dest: Path, timeout: float, deadline: float) -> str:
    """Stream ``url`` into ``dest`` within ``deadline`` seconds; return its sha256. Raises DownloadError."""
    digest = hashlib.sha256()
    end = time.monotonic() + deadline
    try:
        with urllib.request.urlopen(url, timeout=min(timeout, deadline)) as response, open(dest, "wb") as out:
            expected = response.headers.get("Content-Length")
            received = 0
            while True:
                if time.monotonic() > end:
                    raise DownloadError(f"{url}: the download took longer than its deadline of {deadline:g} s "
                                        f"({received} bytes received); pass a longer deadline= to wait longer.")
                # read1: what one read of the connection gives, so that a trickle cannot block past the deadline.
                chunk = response.read1(_CHUNK)
                if not chunk:
                    break
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
    except DownloadError:
        raise
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise DownloadError(f"{url}: {exc.reason}") from exc
    except TimeoutError as exc:
        raise DownloadError(f"{url}: no answer within the timeout of {timeout:g} s; pass a longer timeout= "
                            "to wait longer.") from exc
    except (OSError, ValueError) as exc:  # resets, http.client.IncompleteRead
        raise DownloadError(f"{url}: connection failed during download ({exc!r})") from exc
    # http.client returns b"" when the server closes early, so the count decides.
    if expected is not None and received != int(expected):
        raise DownloadError(f"{url}: incomplete download, got {received} of {expected} bytes.")
    if received == 0:
        raise DownloadError(f"{url}: empty response.")
    return digest.hexdigest()


def _extract(archive: Path, name: str, dest: Path, url: str) -> None:
    """Copy ``<name>_TRAIN.ts`` and ``<name>_TEST.ts`` out of ``archive`` into ``dest``."""
    wanted = {f"{name}_{split}.ts" for split in ("TRAIN", "TEST")}
    try:
        with zipfile.ZipFile(archive) as zf:
            bad = zf.testzip()
            if bad is not None:
                raise DownloadError(f"{url}: corrupt archive (CRC mismatch in {bad}).")
            # Members are matched by base name (zips put them at the top or in
            # <name>/) and written under names we choose, so no member path is
            # ever used as a file system path.
            members = {Path(m.filename).name: m for m in zf.infolist()
                       if not m.is_dir() and Path(m.filename).name in wanted}
            missing = wanted - set(members)
            if missing:
                raise DownloadError(f"{url}: archive lacks {', '.join(sorted(missing))}.")
            dest.mkdir(parents=True)
            for base, member in members.items():
                with zf.open(member) as src, open(dest / base, "wb") as out:
                    shutil.copyfileobj(src, out, _CHUNK)
    except zipfile.BadZipFile as exc:
        raise DownloadError(f"{url}: not a valid zip archive ({exc}).") from exc
    _verify(dest, sorted(wanted), url)


def _verify(folder: Path, files: list[str], url: str) -> None:
    """Read each ``.ts`` file as :func:`~mlstm_fcn.datasets.load_ts` will: what enters the cache must load."""
    from .ts_file import load_ts

    for name in files:
        try:
            load_ts(folder / name, require_labels=False)
        except ValueError as exc:
            # Named as in the archive, not by the temporary path that is about to go.
            reason = str(exc).replace(f"{folder / name}: ", "").replace(str(folder / name), name)
            raise DownloadError(f"{url}: {name} in the archive is not a readable .ts file ({reason}); nothing was "
                                "added to the cache.") from None


#: Temporary folders of downloads: ``.<name>-<pid>-<random>.part`` in the cache.
_PART = re.compile(r"\.[A-Za-z0-9][A-Za-z0-9_\-]*-(\d+)-[^/]*\.part")


def _remove_stale_parts(cache: Path) -> None:
    """Remove the temporary folders of downloads whose process no longer runs (killed before it could clean up)."""
    for folder in cache.iterdir():
        match = _PART.fullmatch(folder.name)
        if match is None or not folder.is_dir() or _running(int(match.group(1))):
            continue
        shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's process, or unknowable: leave its folder
    return True


def has_both_splits(folder: Path, name: str) -> bool:
    """Whether ``folder`` holds both ``<name>_TRAIN.ts`` and ``<name>_TEST.ts``.

    The one test of "this dataset is there": the look-up by name skips folders
    that fail it, and a download replaces them.

    Parameters
    ----------
    folder : Path
        A dataset's folder (it need not exist).
    name : str
        The dataset's name as spelled in its file names.

    Returns
    -------
    complete : bool
    """
    return (folder / f"{name}_TRAIN.ts").is_file() and (folder / f"{name}_TEST.ts").is_file()


def download_uea(name: str, cache_dir: str | os.PathLike, *, base_url: str | None = None,
                 sha256: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                 deadline: float = DEFAULT_DEADLINE) -> Path:
    """Download ``<name>.zip`` and unpack its two ``.ts`` files into ``cache_dir/<name>``.

    Parameters
    ----------
    name : str
        Dataset name as in the archive, e.g. ``"NATOPS"``.
    cache_dir : path-like
        Archive directory to add the dataset to (created if needed).
    base_url : str, optional
        Where ``<name>.zip`` is served; default ``$MLSTM_FCN_UEA_URL`` or
        :data:`~mlstm_fcn.datasets.download.DEFAULT_BASE_URL`.
    sha256 : str, optional
        Expected sha256 of the zip file; checked when given.
    timeout : float, default=60
        Seconds any single connect or read may block before the download fails.
    deadline : float, default=1800
        Seconds the whole download may take before it fails (checked between reads).

    Returns
    -------
    folder : Path
        ``cache_dir/<name>``, holding ``<name>_TRAIN.ts`` and ``<name>_TEST.ts``.

    Raises
    ------
    DownloadError
        Network failure, HTTP error, timeout or deadline passed, incomplete or
        corrupt download, checksum mismatch, or an archive without the
        expected files or whose ``.ts`` files do not read. Nothing is left in
        ``cache_dir`` in that case (nor when the download is interrupted).
    """
    check_name(name)
    for what, seconds in (("timeout", timeout), ("deadline", deadline)):
        if not (isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and 0 < seconds < float("inf")):
            raise ValueError(f"{what} must be a positive number of seconds, got {seconds!r}.")
    url = dataset_url(name, base_url)
    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / name
    # Temporary paths live in the cache itself so that the final rename stays
    # on one file system (and is therefore atomic).
    _remove_stale_parts(cache)
    work = Path(tempfile.mkdtemp(prefix=f".{name}-{os.getpid()}-", suffix=".part", dir=cache))
    try:
        archive = work / f"{name}.zip"
        got = _fetch(url, archive, timeout, deadline)
        if sha256 is not None and got != sha256.lower():
            raise DownloadError(f"{url}: sha256 mismatch, expected {sha256.lower()}, got {got}.")
        staged = work / name
        _extract(archive, name, staged, url)
        if target.exists() and not has_both_splits(target, name):
            # A folder without both files (e.g. left by hand); set it aside so
            # the rename below cannot fail on a non-empty directory.
            target.rename(work / "previous")
        try:
            staged.rename(target)
        except OSError:
            # Another process finished the same download first: use theirs.
            if not has_both_splits(target, name):
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target
