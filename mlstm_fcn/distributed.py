"""Data-parallel fits from the command line: ``torchrun -m mlstm_fcn.distributed``.

Every process loads the same training set, joins the process group that
``torchrun`` describes in its environment (``RANK``, ``WORLD_SIZE``,
``LOCAL_RANK``, ``MASTER_ADDR``, ``MASTER_PORT``), and fits one
:class:`~mlstm_fcn.MLSTMFCNClassifier` with ``distributed=True``: each
process trains on its shard of every batch of the seeded permutation
(:mod:`mlstm_fcn.training.data_parallel`). Rank 0 writes the model file and
the checkpoints. On GPUs the backend is NCCL with one GPU per process
(``cuda:LOCAL_RANK``), on CPUs gloo.

One machine, two GPUs::

    torchrun --nproc_per_node 2 -m mlstm_fcn.distributed BasicMotions --out basicmotions.model

Two machines of four GPUs each (run on both, ``--node_rank`` 0 and 1)::

    torchrun --nnodes 2 --node_rank 0 --nproc_per_node 4 --rdzv_backend c10d \\
        --rdzv_endpoint HOST0:29500 -m mlstm_fcn.distributed --X X.npy --y y.npy --out my.model

``--X`` and ``--y`` are ``.npy`` files, opened memory-mapped (every process
reads only the batches it trains on). The estimator options are those of
``mlstm-fcn fit`` (``--epochs 200 --filters 64,128,64 --batch-size 256``:
:mod:`mlstm_fcn.cli.options`, one table for both); ``--param NAME=VALUE``
sets any other estimator parameter, the value read as JSON (``--param
'class_weight={"a": 2, "b": 1}'``), else as a string. A parameter may be
given by its option (``--seed`` for ``random_state``, ``--checkpoint-dir``,
``--epochs`` ...) or by ``--param``, not both ways with two values.
``batch_size`` is the global batch, split over the processes.

The data are read as ``mlstm-fcn fit`` reads them (:func:`mlstm_fcn.cli.inputs.load_data`:
``--X`` may also be a ``.npz`` holding ``X`` and ``y``, or a ``.ts`` file), and
everything that can fail before training is checked before it, on every
rank: the options, ``--out`` (rank 0's: writable, not one of the inputs) and
the data; the ranks agree on the outcome, so that none trains while another
has stopped. Errors print one line, from rank 0 only, and exit with status 1;
``MLSTM_FCN_DEBUG=1`` shows every rank's traceback instead. Run without
``torchrun`` (no ``RANK`` in the environment), the launcher says how to start
it; a torchrun variable that is not a whole number is named.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

import numpy as np

from .cli.common import CLIError
from .cli.options import ESTIMATOR_OPTIONS, FitHelpFormatter, add_estimator_options, estimator_option_values
from .cli.outputs import check_output, data_inputs
from .cli.text_output import one_line

PROG = "torchrun -m mlstm_fcn.distributed"
#: The environment variables torchrun sets for every process it starts.
_TORCHRUN_ENV = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
#: Those of them (and LOCAL_RANK) that hold whole numbers.
_INTEGER_ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_PORT")


class LaunchError(ValueError):
    """A wrong option, file or environment: said in one line, by rank 0."""


def _rank() -> int:
    """This process's rank as torchrun gives it (0 when it gives none)."""
    rank = os.environ.get("RANK", "0")
    return int(rank) if rank.isdigit() else 0


class _Parser(argparse.ArgumentParser):
    """Usage errors printed by rank 0 only: every rank parses the same command line."""

    def error(self, message: str):
        if _rank() == 0:
            self.print_usage(sys.stderr)
            print(f"{PROG}: error: {message}", file=sys.stderr)
        sys.exit(2)


def _param(text: str) -> tuple[str, object]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"--param takes NAME=VALUE, got {text!r}")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        return name, value


def parser() -> argparse.ArgumentParser:
    """The launcher's options."""
    p = _Parser(prog=PROG, formatter_class=FitHelpFormatter,
                description="Fit MLSTM-FCN data-parallel on the processes torchrun starts.")
    p.add_argument("dataset", nargs="?", help="a UEA dataset name (its TRAIN split); or give --X and --y")
    p.add_argument("--X", help=".npy file of series (n, C, T), opened memory-mapped (or a .npz or .ts file "
                               "holding the labels too)")
    p.add_argument("--y", help=".npy file of labels (n,) of a .npy --X")
    p.add_argument("--out", required=True, help="model file that rank 0 writes")
    p.add_argument("--seed", type=int, default=None,
                   help=f"random_state (the same on every rank; default {DEFAULT_SEED})")
    p.add_argument("--backend", choices=("auto", "nccl", "gloo"), default="auto",
                   help="auto: nccl when CUDA is available, else gloo")
    p.add_argument("--checkpoint-dir", help="checkpoints (rank 0 writes, every rank resumes from them)")
    p.add_argument("--param", type=_param, action="append", default=[], metavar="NAME=VALUE",
                   help="any estimator parameter, the value as JSON (for those without an option below)")
    add_estimator_options(p.add_argument_group("estimator options (as mlstm-fcn fit's)"))
    return p


#: random_state of a launch that names none (every rank must use the same).
DEFAULT_SEED = 0


def estimator_params(args: argparse.Namespace) -> dict:
    """The estimator's parameters: ``--param`` values, with the options for what they name.

    ``--seed`` and ``--checkpoint-dir`` set ``random_state`` and
    ``checkpoint_dir``, the estimator options of ``mlstm-fcn fit`` their
    parameters; the same parameter given both ways with two values is
    refused rather than one of them silently dropped.

    Raises
    ------
    LaunchError
        On such a conflict, ``--param random_state=null``, or ``--param distributed=...`` other than true.
    """
    params = dict(args.param)
    given = {name: value for name, value in (("random_state", args.seed), ("checkpoint_dir", args.checkpoint_dir))
             if value is not None}
    given.update(estimator_option_values(args))
    for name, value in given.items():
        if name in params and _plain(params[name]) != _plain(value):
            option = {"random_state": "--seed", **{n: flag for flag, n, _ in ESTIMATOR_OPTIONS}}.get(
                name, "--" + name.replace("_", "-"))
            raise LaunchError(f"--param {name}={params[name]!r} and {option} {value!r} disagree; give one of them")
        params[name] = value
    if params.setdefault("random_state", DEFAULT_SEED) is None:
        raise LaunchError("--param random_state=null would draw another seed on every rank; give a number")
    if params.setdefault("distributed", True) is not True:
        raise LaunchError("--param distributed must be true: this launcher runs data-parallel fits")
    return params


def _plain(value):
    """``value`` as JSON gives it (a tuple as a list), to compare an option's value with a ``--param``'s."""
    return list(value) if isinstance(value, tuple) else value


def load_training_set(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` as the options name them, read by ``mlstm-fcn fit``'s checked reader.

    A UEA name (its TRAIN split), or ``--X`` (a ``.npy`` file, memory-mapped,
    with ``--y``; or a ``.npz`` or ``.ts`` file holding the labels too).
    """
    from .cli.inputs import load_data

    X, y, what, _ = load_data(_data_spec(args), "train", None, False, args.y)
    if y is None:
        raise LaunchError(f"{what} has no labels; give them with --y LABELS.npy")
    return X, y


def _data_spec(args: argparse.Namespace) -> str:
    """The dataset the options name: ``--X`` or the dataset argument, exactly one of them."""
    if (args.X is None) == (args.dataset is None) or (args.y is not None and args.X is None):
        raise LaunchError("give a dataset name, or --X (with --y for a .npy file of series)")
    return args.X if args.X is not None else args.dataset


def _check_environment() -> None:
    """Torchrun's variables that hold numbers, checked so that a wrong one is named (not "invalid literal")."""
    for name in _INTEGER_ENV:
        value = os.environ.get(name)
        if value is not None and not value.strip().isdigit():
            raise LaunchError(f"environment variable {name}={value!r} is not a whole number (torchrun sets it; "
                              "so must whoever starts these processes another way)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one rank of a data-parallel fit; rank 0 writes ``--out``. Returns the exit status."""
    args = parser().parse_args(argv)
    missing = [name for name in _TORCHRUN_ENV if name not in os.environ]
    if missing:
        print(f"{PROG}: error: not started by torchrun ({', '.join(missing)} not set); launch it as "
              "torchrun --nproc_per_node N -m mlstm_fcn.distributed DATASET --out FILE (see --help)",
              file=sys.stderr)
        return 1
    try:
        _check_environment()
        return _fit(args)
    except Exception as exc:  # one line for the user, from one rank, not a traceback per rank
        if os.environ.get("MLSTM_FCN_DEBUG", "") not in ("", "0"):
            raise
        if _rank() == 0:
            print(f"{PROG}: error: {one_line(exc)}", file=sys.stderr)
        return 1


def _fit(args: argparse.Namespace) -> int:
    import torch
    import torch.distributed as dist

    from .classifier import MLSTMFCNClassifier

    # The same command line on every rank: all stop here alike, before they join a process group.
    params = estimator_params(args)
    spec = _data_spec(args)
    cuda = torch.cuda.is_available()
    backend = ("nccl" if cuda else "gloo") if args.backend == "auto" else args.backend
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    if cuda and backend == "nccl":
        torch.cuda.set_device(local_rank)
    dist.init_process_group(backend)
    try:
        rank = dist.get_rank()
        params.setdefault("device", f"cuda:{local_rank}" if cuda and backend == "nccl" else "cpu")
        problem, data = None, None
        try:  # what fit checks before training, here before the ranks start training together
            if rank == 0:
                check_output(args.out, "--out", data_inputs(spec, "train", None, args.y))
            data = load_training_set(args)
        except (OSError, ValueError, TypeError, CLIError) as exc:
            problem = one_line(exc)
        _agree(problem, dist)
        clf = MLSTMFCNClassifier(**params)
        clf.fit(*data)
        if rank == 0:
            clf.save(args.out)
            print(f"rank 0 of {dist.get_world_size()}: {clf.n_epochs_} epochs, training loss "
                  f"{clf.train_loss_:.4f}, accuracy {clf.train_accuracy_:.4f}; model written to {args.out}")
        dist.barrier()  # the file exists before any rank returns
    finally:
        dist.destroy_process_group()
    return 0


def _agree(problem: str | None, dist) -> None:
    """Every rank learns whether any rank failed its checks, and all stop together with the first failure."""
    problems: list = [None] * dist.get_world_size()
    dist.all_gather_object(problems, problem)
    failed = [(r, p) for r, p in enumerate(problems) if p is not None]
    if failed:
        rank, first = failed[0]
        raise LaunchError(first if rank == 0 else f"rank {rank}: {first}")


if __name__ == "__main__":
    sys.exit(main())
