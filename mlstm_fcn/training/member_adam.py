"""Adam with one learning rate per member of a fused network."""

from __future__ import annotations

import torch
from torch import Tensor

from ..nn.fused import FusedMLSTMFCN
from .protocol import TrainConfig, make_optimizer


class MemberAdam:
    """Adam over a fused network's parameters with one learning rate per member.

    Every stacked parameter holds its members along dimension 0, in ``k``
    equal parts (:class:`~mlstm_fcn.nn.fused.FusedMLSTMFCN`); a parameter of
    one member's own module (the recurrent branches) belongs to that member.
    The update is torch's Adam (the betas and eps of
    :func:`~mlstm_fcn.training.protocol.make_optimizer`), element by element,
    with member ``j``'s steps scaled by ``lr[j]``. State is allocated at
    construction and updated in place, so a CUDA graph can capture the step.

    Parameters
    ----------
    network : FusedMLSTMFCN
    lr : Tensor of shape (k,)
        The members' learning rates, read at every step (the schedule writes it in place).
    config : TrainConfig
    """

    def __init__(self, network: FusedMLSTMFCN, lr: Tensor, config: TrainConfig) -> None:
        # Built over a placeholder parameter: a module would draw its initialisation from the global RNG.
        placeholder = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(1))])
        defaults = make_optimizer(placeholder, config, torch.device("cpu")).defaults
        self.beta1, self.beta2 = defaults["betas"]
        self.eps = defaults["eps"]
        if defaults.get("weight_decay"):
            raise ValueError("MemberAdam implements Adam without weight decay")
        self.lr = lr
        self.k = network.k
        owner = {id(p): j for j, branch in enumerate(network.lstm_branches) for p in branch.parameters()}
        self.params = [(p, owner.get(id(p))) for p in network.parameters()]
        self.exp_avg = [torch.zeros_like(p) for p, _ in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p, _ in self.params]
        self.step_count = torch.zeros((), device=lr.device, dtype=torch.float64)

    def zero_grad(self) -> None:
        """Drop the gradients (set to None)."""
        for p, _ in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        """One Adam step of every parameter that has a gradient."""
        self.step_count += 1
        bias1 = 1 - self.beta1 ** self.step_count
        bias2_sqrt = (1 - self.beta2 ** self.step_count).sqrt()
        step_size = (self.lr.to(torch.float64) / bias1).to(self.lr.dtype)  # (k,)
        for (p, member), m, v in zip(self.params, self.exp_avg, self.exp_avg_sq):
            if p.grad is None:
                continue
            g = p.grad
            m.lerp_(g, 1 - self.beta1)
            v.mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)
            update = m / (v.sqrt() / bias2_sqrt.to(v.dtype)).add_(self.eps)
            if member is None:
                p.view(self.k, -1).sub_(step_size[:, None] * update.view(self.k, -1))
            else:
                p.sub_(step_size[member] * update)

    def state_tensors(self) -> list[Tensor]:
        """The state updated in place (what a warm-up before CUDA-graph capture must undo)."""
        return [*self.exp_avg, *self.exp_avg_sq, self.step_count]


__all__ = ["MemberAdam"]
