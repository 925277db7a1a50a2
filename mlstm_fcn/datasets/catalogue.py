"""The 30 datasets of the UEA multivariate archive, 2018 (Bagnall et al., arXiv:1811.00075).

Facts are those of the archive paper's summary table: train/test cases,
channels ("dimensions"), series length and classes. Four datasets have
series of unequal length in the archive's ``.ts`` files (CharacterTrajectories,
InsectWingbeat, JapaneseVowels, SpokenArabicDigits); for them the paper's
table gives the longest length, kept here as ``max_length``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

#: name: (n_channels, length or None for unequal, max_length, n_classes, n_train, n_test)
_ARCHIVE_2018: dict[str, tuple[int, int | None, int, int, int, int]] = {
    "ArticularyWordRecognition": (9, 144, 144, 25, 275, 300),
    "AtrialFibrillation": (2, 640, 640, 3, 15, 15),
    "BasicMotions": (6, 100, 100, 4, 40, 40),
    "CharacterTrajectories": (3, None, 182, 20, 1422, 1436),
    "Cricket": (6, 1197, 1197, 12, 108, 72),
    "DuckDuckGeese": (1345, 270, 270, 5, 50, 50),
    "EigenWorms": (6, 17984, 17984, 5, 128, 131),
    "Epilepsy": (3, 206, 206, 4, 137, 138),
    "EthanolConcentration": (3, 1751, 1751, 4, 261, 263),
    "ERing": (4, 65, 65, 6, 30, 270),
    "FaceDetection": (144, 62, 62, 2, 5890, 3524),
    "FingerMovements": (28, 50, 50, 2, 316, 100),
    "HandMovementDirection": (10, 400, 400, 4, 160, 74),
    "Handwriting": (3, 152, 152, 26, 150, 850),
    "Heartbeat": (61, 405, 405, 2, 204, 205),
    "InsectWingbeat": (200, None, 30, 10, 30000, 20000),
    "JapaneseVowels": (12, None, 29, 9, 270, 370),
    "Libras": (2, 45, 45, 15, 180, 180),
    "LSST": (6, 36, 36, 14, 2459, 2466),
    "MotorImagery": (64, 3000, 3000, 2, 278, 100),
    "NATOPS": (24, 51, 51, 6, 180, 180),
    "PEMS-SF": (963, 144, 144, 7, 267, 173),
    "PenDigits": (2, 8, 8, 10, 7494, 3498),
    "PhonemeSpectra": (11, 217, 217, 39, 3315, 3353),
    "RacketSports": (6, 30, 30, 4, 151, 152),
    "SelfRegulationSCP1": (6, 896, 896, 2, 268, 293),
    "SelfRegulationSCP2": (7, 1152, 1152, 2, 200, 180),
    "SpokenArabicDigits": (13, None, 93, 10, 6599, 2199),
    "StandWalkJump": (4, 2500, 2500, 3, 12, 15),
    "UWaveGestureLibrary": (3, 315, 315, 8, 120, 320),
}


@dataclass(frozen=True)
class UEADataset:
    """One dataset of the UEA archive and where (if anywhere) it is on this machine.

    Attributes
    ----------
    name : str
        Name as in the archive (and its file names).
    n_channels : int
        Channels (the paper's "dimensions").
    length : int or "unequal"
        Series length, or ``"unequal"`` when the series differ in length.
    max_length : int
        Longest series (equals ``length`` for equal-length data).
    n_classes : int
        Number of classes.
    n_train, n_test : int
        Cases in the archive's default train and test splits.
    path : Path or None
        Folder holding ``<name>_TRAIN.ts`` and ``<name>_TEST.ts`` found by
        :func:`mlstm_fcn.datasets.find_uea`; ``None`` when not available locally.
    """

    name: str
    n_channels: int
    length: int | Literal["unequal"]
    max_length: int
    n_classes: int
    n_train: int
    n_test: int
    path: Path | None = None

    @property
    def available(self) -> bool:
        """Whether both split files were found locally."""
        return self.path is not None

    @property
    def equal_length(self) -> bool:
        """Whether all series have the same length."""
        return self.length != "unequal"


def archive_2018() -> list[UEADataset]:
    """The 30 datasets of the 2018 archive.

    Returns
    -------
    datasets : list of UEADataset
        In alphabetical order (regardless of case), without local paths.
    """
    return [UEADataset(name, c, "unequal" if length is None else length, max_length, k, n_train, n_test)
            for name, (c, length, max_length, k, n_train, n_test)
            in sorted(_ARCHIVE_2018.items(), key=lambda kv: kv[0].lower())]


def canonical_name(name: str) -> str:
    """The archive's spelling of a dataset name.

    Parameters
    ----------
    name : str
        A dataset name in any case, e.g. ``"basicmotions"``.

    Returns
    -------
    name : str
        The 2018 archive's spelling when ``name`` matches one of its datasets
        without regard to case (``"BasicMotions"``), else ``name`` unchanged.
    """
    lookup = {n.lower(): n for n in _ARCHIVE_2018}
    return lookup.get(name.lower(), name)


def with_path(record: UEADataset, path: Path | None) -> UEADataset:
    """A copy of ``record`` with its local ``path`` set (the records are frozen).

    Parameters
    ----------
    record : UEADataset
    path : Path or None
        Where the dataset was found; ``None`` for nowhere.

    Returns
    -------
    record : UEADataset
    """
    return replace(record, path=path)
