"""Downloading one UEA dataset (``<Name>.zip``) into a cache directory, atomically.

Only the standard library is used (``urllib``). The archive is fetched into a
temporary file beside the cache, checked (byte count against
``Content-Length``, sha256 when one is given, the zip's own CRCs, the two
``.ts`` files present), unpacked into a temporary folder and only then renamed
to ``<cache>/<Name>``. A download that fails at any point leaves neither a
partial dataset nor temporary files behind.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
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

_CHUNK = 1 << 16
_VALID_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")


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
    if not isinstance(name, str) or not _VALID_NAME.match(name):
        raise ValueError(f"Not a UEA dataset name: {name!r} (letters, digits, '_' and '-' only).")
    return name


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


def _fetch(url: str, dest: Path, timeout: float) -> str:
    """Stream ``url`` into ``dest``; return its sha256. Raises DownloadError."""
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(dest, "wb") as out:
            expected = response.headers.get("Content-Length")
            received = 0
            while True:
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise DownloadError(f"{url}: {exc.reason}") from exc
    except (OSError, ValueError) as exc:  # timeouts, resets, http.client.IncompleteRead
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
                 sha256: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> Path:
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

    Returns
    -------
    folder : Path
        ``cache_dir/<name>``, holding ``<name>_TRAIN.ts`` and ``<name>_TEST.ts``.

    Raises
    ------
    DownloadError
        Network failure, HTTP error, incomplete or corrupt download, checksum
        mismatch or an archive without the expected files. Nothing is left in
        ``cache_dir`` in that case.
    """
    check_name(name)
    url = dataset_url(name, base_url)
    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / name
    # Temporary paths live in the cache itself so that the final rename stays
    # on one file system (and is therefore atomic).
    work = Path(tempfile.mkdtemp(prefix=f".{name}-", suffix=".part", dir=cache))
    try:
        archive = work / f"{name}.zip"
        got = _fetch(url, archive, timeout)
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
