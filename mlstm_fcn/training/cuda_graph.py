"""Whole-epoch CUDA-graph capture of the training loop.

MLSTM-FCN trains on small batches for hundreds of epochs, so on a GPU the
time goes to launching kernels, not running them. Capturing every step of an
epoch (batch gather, forward, backward, fused Adam step, running sums) once
and replaying it per epoch removes that overhead. Batch shapes are static
because the number and sizes of the batches are the same every epoch; only
the permutation changes, and it is copied into the graph's input buffer.

:class:`GraphedBlock` goes further for fused networks (:mod:`mlstm_fcn.training.fused`):
several epochs per replay, with the best-weight selection, the plateau
schedule and the stop rules on the device (:mod:`mlstm_fcn.training.device_rules`),
so that the history is read back once per block.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import torch
from torch import Tensor

from .._warnings import warn
from .epoch import EpochRunner

Graphed = TypeVar("Graphed")


def try_capture(build: Callable[[], Graphed]) -> Graphed | None:
    """``build()`` (a :class:`GraphedEpoch` or :class:`GraphedBlock`), or None, with a warning, when capture fails.

    Capture is not possible for every op and version, or in every memory
    state; training then goes on eagerly, as it would without a graph.
    """
    try:
        return build()
    except RuntimeError as exc:
        warn(f"CUDA graph capture failed ({exc}); training without it.", RuntimeWarning)
        return None


def capture(device: torch.device, warm_up: Callable[[], None], restore: Callable[[], None],
            before_capture: Callable[[], None], body: Callable[[], None]) -> torch.cuda.CUDAGraph:
    """``body`` captured in a CUDA graph, after ``warm_up`` on a side stream, as capture requires.

    ``restore`` undoes the warm-up (in place: the graph holds these very
    tensors) and, when capture fails, the capture's own steps;
    ``before_capture`` runs between the warm-up and the capture.

    Raises
    ------
    RuntimeError
        When capture fails; ``restore`` has run.
    """
    side = torch.cuda.Stream(device)
    side.wait_stream(torch.cuda.current_stream(device))
    try:
        with torch.cuda.stream(side):
            warm_up()
        torch.cuda.current_stream(device).wait_stream(side)
    finally:
        restore()
    graph = torch.cuda.CUDAGraph()
    before_capture()
    try:
        with torch.cuda.graph(graph):
            body()
    except Exception as exc:
        restore()
        raise RuntimeError(str(exc)) from exc
    return graph


def _batch_sizes(slices) -> list[int]:
    # Every batch shape of an epoch, so that the warm-up lets cuDNN pick algorithms for each.
    return sorted({stop - start for start, stop in slices})


class GraphedEpoch:
    """Drop-in replacement of :class:`EpochRunner` that replays a CUDA graph.

    Raises
    ------
    RuntimeError
        When capture fails; the caller falls back to the eager runner. The
        network and optimizer are then as they were before.
    """

    def __init__(self, runner: EpochRunner, warmup_steps: int = 2) -> None:
        self.runner = runner
        network, optimizer = runner.network, runner.optimizer
        device = runner.data.device
        n = len(runner.data)
        self.perm = torch.arange(n, device=device)
        weights = {k: v.detach().clone() for k, v in network.state_dict().items()}
        # Adam's state exists already when training resumes from a checkpoint.
        self._opt_state = {p: {k: v.clone() for k, v in st.items() if torch.is_tensor(v)}
                           for p, st in optimizer.state.items()}
        sizes = _batch_sizes(runner.slices)

        def warm_up() -> None:
            # Allocates Adam's state and lets cuDNN pick algorithms for every batch shape.
            for _ in range(warmup_steps):
                for size in sizes:
                    runner.step(self.perm[:size])

        self.graph = capture(device, warm_up, lambda: self._restore(weights),
                             lambda: optimizer.zero_grad(set_to_none=True),
                             lambda: runner.body(self.perm, retry_oom=False))

    def _restore(self, weights: dict[str, Tensor]) -> None:
        # Undo the warm-up steps in place: the graph holds these very tensors.
        runner = self.runner
        with torch.no_grad():
            for k, v in runner.network.state_dict().items():
                v.copy_(weights[k])
            for param, state in runner.optimizer.state.items():
                saved = self._opt_state.get(param, {})
                for key, value in state.items():
                    if torch.is_tensor(value) and key in saved:
                        value.copy_(saved[key])
                    elif torch.is_tensor(value):
                        value.zero_()
            runner.loss_sum.zero_()
            runner.correct.zero_()

    def run(self, perm: Tensor) -> tuple[Tensor, Tensor]:
        """Train one epoch over ``perm``; return (summed loss, correct count)."""
        self.perm.copy_(perm)
        self.graph.replay()
        return self.runner.loss_sum, self.runner.correct


class GraphedBlock:
    """Several epochs of a fused run, decisions included, captured as one CUDA graph.

    Replays :meth:`mlstm_fcn.training.fused_block.FusedBlock.run`: every optimizer
    step of ``block.epochs`` epochs, the per-member best-weight selection and
    the plateau and stop rules (:class:`~mlstm_fcn.training.device_rules.DeviceRules`),
    so that the host only copies the next permutations in and reads the
    history out once per block.

    Raises
    ------
    RuntimeError
        When capture fails; the network, optimizer state and kept weights are
        then as they were before.
    """

    def __init__(self, block, warmup_steps: int = 2) -> None:
        runner = block.runner
        network, optimizer = runner.network, runner.optimizer
        k, n = block.perms.shape[1:]
        positions = torch.arange(n, device=block.perms.device).expand(k, n).contiguous()
        live = [t for t in network.state_dict().values()] + optimizer.state_tensors()
        saved = [t.detach().clone() for t in live]

        def restore() -> None:
            with torch.no_grad():
                for dst, src in zip(live, saved):
                    dst.copy_(src)
                runner.loss_sum.zero_()
                runner.correct.zero_()

        def warm_up() -> None:
            for _ in range(warmup_steps):
                for size in _batch_sizes(runner.slices):
                    runner.step(positions[:, :size])
            block.validate()  # the validation pass's shapes too (nothing without validation data)

        self.graph = capture(positions.device, warm_up, restore, optimizer.zero_grad, block.run)

    def replay(self) -> None:
        """Run the captured epochs once."""
        self.graph.replay()
