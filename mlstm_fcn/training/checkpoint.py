"""Training checkpoints: resume a killed ``fit`` where its last checkpoint left it.

A checkpoint holds everything that decides the rest of a run, so that the
resumed run ends with the same weights as one never interrupted (exactly, on
CPU): network weights, optimizer and scheduler state, best-so-far weights
and loss, history, the epoch, the batch-order generator's state and the
global RNG state that dropout draws from (training runs inside
``torch.random.fork_rng``, so that state belongs to the run, not the caller).

Files are named by a run identifier, a hash of the training parameters and
data, so a run only ever resumes its own checkpoint. They are written with
``torch.save`` to a temporary file in the same directory and moved into place
with ``os.replace`` (atomic), so a kill during a write leaves the previous
checkpoint intact; they are read with ``torch.load(weights_only=True)``,
which refuses anything but tensors and plain containers.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import pickle
from typing import Any

import numpy as np
import torch
from torch import nn

from .._warnings import warn
from ..io.atomic import atomic_write, check_writable_folder
from ..io.versions import RUN_VERSION
from .state import LoopState

#: Version of the checkpoint contents (:mod:`mlstm_fcn.io.versions`); a file of another version is not
#: resumed (training starts anew, with a warning).
CHECKPOINT_VERSION = RUN_VERSION

#: Estimator parameters that do not change what training computes.
# bn_statistics acts after training (the same run serves either); callbacks only watch it; warm_start
# does not change a fresh fit (a continued one names what it continues instead); fused networks train
# what they would train apart; streamed and resident data train alike (the same batches, in order);
# CPU threads change where the sums run, not what is trained.
_NOT_IN_RUN_ID = ("verbose", "checkpoint_dir", "checkpoint_every", "predict_batch_size", "device",
                  "bn_statistics", "callbacks", "warm_start", "fused", "data_on_device", "n_jobs")

#: Parameters added after the first release, left out of the run identifier at the value that trains
#: as releases before them did: a checkpoint written then still resumes.
_ADDED_LATER = {"average_last_epochs": None}


def run_id(params: dict[str, Any], device: torch.device, arrays: list[np.ndarray | None]) -> str:
    """Hash of what determines a training run: parameters, device type and the data.

    ``arrays`` are the training inputs as fitted (padded X, lengths, label
    indices, classes); parameters that do not change training are left out.
    """
    h = hashlib.sha256()
    kept = {k: v for k, v in sorted(params.items())
            if k not in _NOT_IN_RUN_ID and not (k in _ADDED_LATER and v is _ADDED_LATER[k])}
    rs = kept.get("random_state")
    if isinstance(rs, (np.random.RandomState, np.random.Generator)):
        # The generator's state before fit draws from it: another seed is another run.
        state = rs.get_state(legacy=False) if isinstance(rs, np.random.RandomState) else rs.bit_generator.state
        kept["random_state"] = f"{type(rs).__name__}:{hashlib.sha256(repr(state).encode()).hexdigest()}"
    h.update(repr(kept).encode())
    h.update(device.type.encode())
    for a in arrays:
        if a is None:
            h.update(b"none")
            continue
        if hasattr(a, "update_hash"):  # out-of-core series hash themselves a block at a time
            a.update_hash(h)
            continue
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        if a.dtype.kind == "O":
            h.update(repr(a.tolist()).encode())
        else:
            h.update(a.tobytes())
    return h.hexdigest()[:32]


class Checkpointer:
    """Reads and writes the checkpoint of one training run.

    Parameters
    ----------
    directory : path-like
        Where checkpoints live (created if missing).
    run : str
        The run identifier from :func:`run_id`.
    every : int
        Write a checkpoint after every ``every``-th epoch (and at the end).

    Attributes
    ----------
    seed : int or None
        The run's seed, written into checkpoints so that a resumed run (of an
        estimator whose ``random_state`` is None, say) re-draws the same
        validation split. The caller sets it, from :meth:`read`'s checkpoint
        when resuming.
    """

    def __init__(self, directory: str | os.PathLike, run: str, every: int) -> None:
        # Checked now, before training: a folder that cannot be written fails the fit at once,
        # not at its first checkpoint.
        self.directory = check_writable_folder(directory, "checkpoint_dir")
        self.run = run
        self.every = every
        self.seed: int | None = None
        self.path = self.directory / f"mlstm_fcn-{run}.ckpt"
        self._payload: dict | None = None

    def read(self) -> dict | None:
        """The checkpoint of this run, or None (none yet, unreadable, or of another version).

        An unreadable file (including one holding arbitrary pickled objects,
        which ``weights_only`` loading refuses without running them) is
        reported with a warning and training starts from scratch.
        """
        if not self.path.exists():
            return None
        try:
            payload = torch.load(self.path, map_location="cpu", weights_only=True)
        except (RuntimeError, EOFError, OSError, ValueError, pickle.UnpicklingError) as exc:
            warn(f"Ignoring unreadable checkpoint {self.path} ({type(exc).__name__}); "
                 "training starts from scratch.", RuntimeWarning)
            return None
        if not isinstance(payload, dict) or payload.get("run") != self.run:
            warn(f"Ignoring checkpoint {self.path}: not a checkpoint of this run.", RuntimeWarning)
            return None
        version = payload.get("version")
        if not (isinstance(version, int) and not isinstance(version, bool) and version == CHECKPOINT_VERSION):
            warn(f"Ignoring checkpoint {self.path}: of checkpoint version {str(version)[:20]}, which this "
                 f"mlstm-fcn (reading version {CHECKPOINT_VERSION}) does not read; training starts from scratch.",
                 RuntimeWarning)
            return None
        problem = _malformed(payload)
        if problem:
            warn(f"Ignoring checkpoint {self.path}: {problem}; training starts from scratch.", RuntimeWarning)
            return None
        self._payload = payload
        return payload

    def restore(self, network: nn.Module, optimizer: torch.optim.Optimizer, scheduler: Any,
                generator: torch.Generator) -> LoopState | None:
        """Load the checkpoint read by :meth:`read` into the training objects (see :func:`restore_run`).

        A checkpoint whose tensors do not fit these objects is ignored with a
        warning, before anything is loaded (None: training starts from scratch).
        """
        if self._payload is None:
            return None
        problem = _mismatch(self._payload, network, optimizer, generator)
        if problem:
            warn(f"Ignoring checkpoint {self.path}: {problem}; training starts from scratch.", RuntimeWarning)
            self._payload = None
            return None
        return restore_run(self._payload, network, optimizer, scheduler, generator)

    def due(self, epochs_done: int) -> bool:
        """Whether a checkpoint is written once ``epochs_done`` epochs have finished."""
        return epochs_done % self.every == 0

    def write(self, state: LoopState, network: nn.Module, optimizer: torch.optim.Optimizer, scheduler: Any,
              generator: torch.Generator) -> None:
        """Atomically write ``state`` and the training objects (temporary file + ``os.replace``)."""
        if self.seed is None:
            raise RuntimeError("Checkpointer.seed must be set before writing.")
        payload = run_state(state, network, optimizer, scheduler, generator, run=self.run, seed=self.seed)
        self.directory.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, lambda f: torch.save(payload, f))


#: What a checkpoint holds, with the type of each entry.
_PAYLOAD_TYPES = {"seed": int, "epoch": int, "finished": bool, "call_start": int, "network": dict,
                  "optimizer": dict, "scheduler": dict, "generator": torch.Tensor, "cpu_rng": torch.Tensor,
                  "best": float, "best_state": (dict, type(None)), "best_epoch": int, "since_best": int,
                  "history": dict}


def _malformed(payload: dict) -> str | None:
    """What is wrong with a checkpoint's entries (missing, of another type), or None."""
    missing = sorted(set(_PAYLOAD_TYPES) - set(payload))
    if missing:
        return f"it lacks {missing}"
    for key, kind in _PAYLOAD_TYPES.items():
        value = payload[key]
        if kind in (int, float):  # a number, not a bool (which Python counts as one)
            ok = isinstance(value, int if kind is int else (int, float)) and not isinstance(value, bool)
        else:
            ok = isinstance(value, kind)
        if not ok:
            return f"its {key!r} is a {type(value).__name__}"
    if not all(isinstance(v, list) for v in payload["history"].values()):
        return "its history is malformed"
    recent = payload.get("recent_states", [])  # absent from checkpoints of runs without weight averaging
    if not (isinstance(recent, list) and all(isinstance(s, dict) for s in recent)):
        return "its recent_states are malformed"
    return None


def _mismatch(payload: dict, network: nn.Module, optimizer: torch.optim.Optimizer,
              generator: torch.Generator) -> str | None:
    """Why a checkpoint's tensors do not fit ``network``, ``optimizer`` and ``generator`` (None: they do)."""
    expected = {k: tuple(v.shape) for k, v in network.state_dict().items()}
    saved_states = [("network", payload["network"]), ("best_state", payload["best_state"])]
    saved_states += [("recent_states", s) for s in payload.get("recent_states", [])]
    for what, saved in saved_states:
        if saved is None:
            continue
        shapes = {k: tuple(v.shape) if isinstance(v, torch.Tensor) else None for k, v in saved.items()}
        if shapes != expected:
            wrong = sorted(k for k in set(shapes) | set(expected) if shapes.get(k) != expected.get(k))
            return f"its {what} does not fit the network ({wrong[:3]})"
    groups = payload["optimizer"].get("param_groups")
    params = [p for group in optimizer.param_groups for p in group["params"]]
    if not isinstance(groups, list) or sum(len(g.get("params", ())) for g in groups) != len(params):
        return "its optimizer state does not fit the network"
    state = payload["optimizer"].get("state")
    if not isinstance(state, dict):
        return "its optimizer state is malformed"
    for index, entries in state.items():
        if not (isinstance(index, int) and 0 <= index < len(params)) or not isinstance(entries, dict):
            return "its optimizer state does not fit the network"
        for value in entries.values():
            if isinstance(value, torch.Tensor) and value.dim() > 0 and value.shape != params[index].shape:
                return "its optimizer state does not fit the network"
    for key, now in (("generator", generator.get_state()), ("cpu_rng", torch.get_rng_state())):
        if payload[key].shape != now.shape or payload[key].dtype != now.dtype:
            return f"its {key} state is malformed"
    return None


def run_state(state: LoopState, network: nn.Module, optimizer: torch.optim.Optimizer, scheduler: Any,
              generator: torch.Generator, *, run: str | None = None, seed: int | None = None) -> dict:
    """Everything that decides the rest of a run, as CPU tensors and plain values.

    What a checkpoint file holds, and what an estimator keeps in memory to
    continue training (``warm_start``, ``partial_fit``). Read back by
    :func:`restore_run`; ``torch.load(weights_only=True)`` can read it.
    """
    device = next(network.parameters()).device

    def cpu(state):
        return None if state is None else {k: v.detach().to("cpu", copy=True) for k, v in state.items()}

    return {
        "version": CHECKPOINT_VERSION,
        "run": run,
        "seed": seed,
        "epoch": state.epochs_done,
        "finished": state.finished,
        "call_start": state.call_start,
        "network": cpu(network.state_dict()),
        "optimizer": _to_cpu(optimizer.state_dict()),
        "scheduler": copy.deepcopy(scheduler.state_dict()),
        "generator": generator.get_state(),
        "cpu_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state(device) if device.type == "cuda" else None,
        "best": state.best,
        "best_state": cpu(state.best_state),
        "best_epoch": state.best_epoch,
        "since_best": state.since_best,
        # JSON round trip: plain floats/ints only, whatever the history holds.
        "history": json.loads(json.dumps(state.history)),
        "recent_states": [cpu(s) for s in state.recent_states],
    }


def restore_run(payload: dict, network: nn.Module, optimizer: torch.optim.Optimizer, scheduler: Any,
                generator: torch.Generator) -> LoopState:
    """Load a :func:`run_state` into the training objects and return where the run stood.

    Also sets the global RNG state (CPU, and the current CUDA device when
    training there), which the caller has forked for the run.

    ``payload`` is left as it was: the training objects get copies of its
    tensors (``Optimizer.load_state_dict`` keeps tensors that are already on
    the right device and dtype, and training then updates them in place), so
    that a run kept to continue (``warm_start``, ``partial_fit``) survives a
    continuation that fails.
    """
    p = payload
    device = next(network.parameters()).device
    network.load_state_dict(p["network"])  # copies into the network's own tensors
    optimizer.load_state_dict(copy.deepcopy(p["optimizer"]))
    scheduler.load_state_dict(copy.deepcopy(p["scheduler"]))
    generator.set_state(p["generator"])
    torch.set_rng_state(p["cpu_rng"])
    if device.type == "cuda" and p.get("cuda_rng") is not None:
        torch.cuda.set_rng_state(p["cuda_rng"], device)
    best_state = p["best_state"]
    if best_state is not None:
        # Always a copy: the loop refreshes the best weights in place (a CPU tensor's .to("cpu") is itself).
        best_state = {k: v.to(device, copy=True) for k, v in best_state.items()}
    history = {k: list(v) for k, v in p["history"].items()}
    # Written before weight averaging existed: such a run never averaged, so its window is empty.
    recent = [{k: v.to(device, copy=True) for k, v in s.items()} for s in p.get("recent_states", [])]
    return LoopState(epochs_done=int(p["epoch"]), best=float(p["best"]), best_state=best_state,
                     best_epoch=int(p["best_epoch"]), since_best=int(p["since_best"]), history=history,
                     finished=bool(p["finished"]), call_start=int(p["call_start"]), recent_states=recent)


def _to_cpu(obj):
    if isinstance(obj, torch.Tensor):
        return obj.detach().to("cpu", copy=True)
    if isinstance(obj, dict):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_cpu(v) for v in obj)
    return obj
