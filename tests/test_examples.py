"""Every example runs end to end in smoke mode (tiny network, 2 epochs) and writes what it promises."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# example -> files it must write into --out
CASES = {
    "quickstart.py": [],
    "unequal_length.py": ["vowels_lengths.png", "vowels_history.png"],
    "channel_attention.py": ["history.png", "confusion.png", "se_gates.png", "cam.png"],
    "save_load.py": ["racket_sports.model"],
    "gpu_training.py": [],
    "ensembles_and_presets.py": ["ensemble.png"],
    "deploy_onnx.py": ["model.onnx"],
}


# example -> where its output gives an accuracy (the figures the example exists to show)
ACCURACY = {
    "quickstart.py": r"^test accuracy: (\d\.\d{4})$",
    "unequal_length.py": r"^test accuracy: (\d\.\d{4})$",
    "channel_attention.py": r"^test accuracy: (\d\.\d{4})$",
    "save_load.py": r"^RacketSports test accuracy: (\d\.\d{4})$",
    "gpu_training.py": r"ms/epoch\); test accuracy (\d\.\d{4})$",
    "ensembles_and_presets.py": r"(?:paper preset|ensemble of \d+) (\d\.\d{4})",
    "deploy_onnx.py": r"^test accuracy: (\d\.\d{4})$",
}


def test_examples_write_distinct_files_and_those_the_gallery_header_names_take_out():
    # One --out folder serves them all: no example may overwrite another's file.
    written = [f for files in CASES.values() for f in files]
    assert len(written) == len(set(written))
    header = (EXAMPLES / "GALLERY_HEADER.rst").read_text()  # the gallery's (and docs') word on --out
    said = " ".join(header.split("Those that write files (", 1)[1].split(")", 1)[0].split())
    takes_out = set(re.findall(r"``(\w+\.py)``", said))
    assert takes_out == {name for name, files in CASES.items() if files}
    for name in takes_out:
        assert 'add_argument("--out"' in (EXAMPLES / name).read_text(), name


def test_every_example_is_covered():
    mine = {p.name for p in EXAMPLES.glob("*.py")} - {"pipeline_grid_search.py", "dask_grid_search.py"}
    assert mine == set(CASES)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_example_smoke(name, tmp_path):
    env = {**os.environ, "MLSTM_FCN_SMOKE": "1", "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    argv = [sys.executable, str(EXAMPLES / name)]
    if CASES[name] or name == "save_load.py":
        argv += ["--out", str(tmp_path)]
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for fname in CASES[name]:
        assert (tmp_path / fname).stat().st_size > 0, fname
    if name == "gpu_training.py":
        import torch

        if torch.cuda.is_available():
            assert f"GPU: {torch.cuda.get_device_name()}" in proc.stdout
        else:
            assert "No CUDA GPU available" in proc.stdout and " on cpu: 2 epochs" in proc.stdout
    if name == "unequal_length.py":
        assert "same probabilities as the padded array: True" in proc.stdout
        assert "same as in the batch: True" in proc.stdout
    if name == "save_load.py":
        assert "loaded model gives the same probabilities: True" in proc.stdout
    if name == "deploy_onnx.py":
        assert "same labels as predict: True" in proc.stdout
    # Every example reports a test accuracy: found where its output says, and a probability.
    found = [float(v) for v in re.findall(ACCURACY[name], proc.stdout, re.MULTILINE)]
    assert found, (ACCURACY[name], proc.stdout[-2000:])
    assert all(0.0 <= v <= 1.0 for v in found)
