"""What the command line says of files that are not what they claim, of odd folders, and of the warnings it drops."""

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from mlstm_fcn import cli, datasets
from mlstm_fcn.cli.warning_options import apply_package_warning_options
from mlstm_fcn.datasets import BUNDLED_DIR, load_arrays

ROOT = Path(__file__).resolve().parent.parent
TS_TEST = BUNDLED_DIR / "BasicMotions" / "BasicMotions_TEST.ts"


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _lying_npz(path, shape):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": shape})
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("X.npy", header.getvalue() + b"\0" * 64)


def test_an_npz_header_claiming_a_huge_array_is_refused_before_it_is_allocated(tmp_path):
    _lying_npz(tmp_path / "big.npz", (1 << 31, 1, 1))  # 16 GiB claimed, 64 bytes held
    with pytest.raises(ValueError, match="claims an array of 17179869184 bytes, but it holds 64"):
        load_arrays(tmp_path / "big.npz")


@pytest.mark.parametrize("argv, fragment", [
    (["fit", "{d}/text.npz"], "text.npz is not a readable .npz file of numbers (a text file"),
    (["fit", "{d}/X.npy", "--y", "{d}/y.csv"], "y.csv is not a readable .csv file of numbers (a text file"),
    (["fit", "{d}/X.npy", "--y", "{d}/labels.npy"], "labels.npy is a folder, not a .npy file"),
    (["fit", "{d}/series.npy"], "series.npy is a folder"),
    (["evaluate", "{d}/models", "{d}/X.npy"], "models is a folder, not a model file"),
    (["fit", "{d}/objects.npy"], "holds Python objects, which are never loaded"),
])
def test_files_that_are_not_what_they_claim_say_so_without_numpys_pickle_advice(tmp_path, capsys, argv, fragment):
    np.save(tmp_path / "X.npy", np.zeros((4, 2, 5)))
    (tmp_path / "text.npz").write_text("1,2,3\n4,5,6\n")
    (tmp_path / "y.csv").write_text("a\nb\na\nb\n")
    for folder in ("labels.npy", "series.npy", "models"):
        (tmp_path / folder).mkdir()
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    code, out, err = run(capsys, *[a.format(d=tmp_path) for a in argv], "--out", tmp_path / "m.model") \
        if argv[0] == "fit" else run(capsys, *[a.format(d=tmp_path) for a in argv])
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1
    assert fragment in err and "allow_pickle" not in err and "No such file" not in err


def test_a_folder_with_an_odd_name_does_not_break_the_list_of_datasets(tmp_path, capsys):
    for name in ("My Set", "Tiny"):
        folder = tmp_path / name
        folder.mkdir()
        for split in ("TRAIN", "TEST"):
            (folder / f"{name}_{split}.ts").write_bytes(TS_TEST.read_bytes())
    code, out, err = run(capsys, "datasets", "--data-dir", tmp_path, "--local")
    assert code == 0, err
    assert "Tiny" in out and "My Set" not in out
    assert "My Set" not in datasets.local_names(tmp_path)


def test_warning_options_that_name_the_packages_warnings_are_applied(recwarn):
    import warnings

    from mlstm_fcn import LayoutWarning

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        apply_package_warning_options(["ignore::mlstm_fcn.LayoutWarning", "error::DeprecationWarning",
                                       "i::mlstm_fcn.NoSuchWarning", "bogus::mlstm_fcn.LayoutWarning"])
        warnings.warn("layout", LayoutWarning)
        warnings.warn("other", UserWarning)
    assert [str(w.message) for w in recwarn] == ["other"]


@pytest.fixture(scope="module")
def transposed_npz(tmp_path_factory):
    folder = tmp_path_factory.mktemp("layout")
    rng = np.random.default_rng(0)
    np.savez(folder / "d.npz", X=rng.normal(size=(6, 32, 8)).astype(np.float32), y=np.array(["a", "b"] * 3))
    return folder / "d.npz"


FIT = ["--epochs", "1", "--filters", "4,4,4", "--kernel-sizes", "3,3,3", "--lstm-units", "2", "--device", "cpu"]


def test_quiet_drops_the_layout_warning(transposed_npz, capsys, tmp_path, one_torch_thread):
    code, _, err = run(capsys, "fit", transposed_npz, "--out", tmp_path / "m.model", *FIT)
    assert code == 0 and "32 channels of 8 time steps" in err
    code, _, err = run(capsys, "fit", transposed_npz, "--out", tmp_path / "m.model", *FIT, "--quiet")
    assert code == 0 and "channels of" not in err


@pytest.mark.slow
def test_pythonwarnings_silences_the_layout_warning_of_the_command(transposed_npz, tmp_path):
    # A fresh interpreter whose start-up cannot import the package (no PYTHONPATH at start-up: the
    # script puts the checkout on sys.path itself, as an installed console script's site-packages would).
    script = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from mlstm_fcn.cli import main; sys.exit(main())"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PYTHONWARNINGS="ignore::mlstm_fcn.LayoutWarning", OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", script, "fit", str(transposed_npz), "--out",
                           str(tmp_path / "m.model"), *FIT], capture_output=True, text=True, env=env, timeout=300,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "channels of" not in proc.stderr


def test_an_npy_header_claiming_more_than_the_file_holds_is_refused_before_it_is_allocated(tmp_path):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (1 << 40,)})
    (tmp_path / "y.npy").write_bytes(header.getvalue() + b"\0" * 64)  # 8 TiB claimed
    with pytest.raises(ValueError, match="claims an array of 8796093022208 bytes, but it holds 64"):
        datasets.load_labels(tmp_path / "y.npy", 8)


def test_an_npz_member_that_is_not_an_array_is_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "d.npz", "w") as zf:
        zf.writestr("X.npy", b"hello, not numpy")
    with pytest.raises(ValueError, match="member 'X' is not a .npy array"):
        load_arrays(tmp_path / "d.npz")
