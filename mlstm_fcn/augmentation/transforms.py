"""The named augmentation transforms: random changes of a training batch, drawn on its device.

Every transform takes a batch ``x`` ``(b, C, T)`` with its ``lengths``
``(b,)`` (None: every series has all ``T`` steps), targets ``y`` and loss
weights ``w``, and a :class:`torch.Generator` on the batch's device, and
returns the changed batch. Steps past a series' length are padding: no
transform moves values into them or reads values from them, so unequal-length
series stay masked as the network expects. The transforms that mix two
series (:class:`Mixup`, :class:`CutMix`) need float targets: class
probabilities for a classifier (the training loop hands them one-hot
targets), values for a regressor.
"""

from __future__ import annotations

import torch
from torch import Tensor


def full_lengths(x: Tensor, lengths: Tensor | None) -> Tensor:
    """Each series' length ``(b,)``: ``lengths``, or ``T`` for all."""
    if lengths is None:
        return torch.full((x.shape[0],), x.shape[2], device=x.device, dtype=torch.int64)
    return lengths


def valid_steps(x: Tensor, lengths: Tensor | None) -> Tensor:
    """``(b, 1, T)``: True at the steps that hold a series' values, False on its padding."""
    steps = torch.arange(x.shape[2], device=x.device)
    return (steps[None, :] < full_lengths(x, lengths)[:, None])[:, None, :]


def resample(x: Tensor, positions: Tensor, lengths: Tensor | None) -> Tensor:
    """``x`` read at fractional ``positions`` ``(b, T)`` (linear interpolation); padding left as it was."""
    last = (full_lengths(x, lengths) - 1).clamp(min=0).to(positions.dtype)[:, None]
    pos = torch.minimum(positions.clamp(min=0), last)
    left = pos.floor()
    frac = (pos - left)[:, None, :].to(x.dtype)
    i0 = left.long()
    i1 = torch.minimum(i0 + 1, last.long())
    c = x.shape[1]
    a = x.gather(2, i0[:, None, :].expand(-1, c, -1))
    b = x.gather(2, i1[:, None, :].expand(-1, c, -1))
    return torch.where(valid_steps(x, lengths), a + (b - a) * frac, x)


def relative_time(x: Tensor, lengths: Tensor | None) -> Tensor:
    """``(b, T)``: each step's place in its series, 0 at the first step and 1 at the last (and past it)."""
    span = (full_lengths(x, lengths) - 1).clamp(min=1).to(x.dtype)[:, None]
    steps = torch.arange(x.shape[2], device=x.device, dtype=x.dtype)[None, :]
    return (steps / span).clamp(max=1.0)


def smooth_curve(knots: Tensor, u: Tensor) -> Tensor:
    """Values at ``u`` ``(b, T)`` in [0, 1] of the piecewise-linear curves through ``knots`` ``(b, ..., m)``.

    The ``m`` knots are spaced evenly over [0, 1]; ``knots`` may have a
    channel axis, which the result keeps: ``(b, ..., T)``.
    """
    m = knots.shape[-1]
    pos = u * (m - 1)
    left = pos.floor().long().clamp(max=m - 2)
    frac = pos - left
    extra = knots.dim() - 2  # a channel axis, or none
    shape = (knots.shape[0],) + knots.shape[1:-1] + (u.shape[-1],)
    idx = left.view(left.shape[0], *([1] * extra), -1).expand(shape)
    f = frac.view(frac.shape[0], *([1] * extra), -1)
    lo = knots.gather(-1, idx)
    hi = knots.gather(-1, idx + 1)
    return lo + (hi - lo) * f


def normal(shape: tuple, sigma: float, like: Tensor, generator: torch.Generator) -> Tensor:
    """Normal draws of mean 0 and standard deviation ``sigma``, on ``like``'s device and dtype."""
    return torch.randn(shape, generator=generator, device=like.device, dtype=like.dtype) * sigma


def uniform(shape: tuple, like: Tensor, generator: torch.Generator) -> Tensor:
    """Uniform draws on [0, 1)."""
    return torch.rand(shape, generator=generator, device=like.device, dtype=like.dtype)


def symmetric_beta(n: int, alpha: float, like: Tensor, generator: torch.Generator, tries: int = 16) -> Tensor:
    """``n`` draws of Beta(alpha, alpha), by Johnk's method on the device's own generator.

    ``X = U^(1/alpha)``, ``Y = V^(1/alpha)``: ``X / (X + Y)`` given
    ``X + Y <= 1`` is Beta(alpha, alpha). ``tries`` candidates per draw, the
    first accepted kept (at alpha 0.2 a candidate is accepted three times in
    four: all 16 fail once in 10^10 draws, which then keep the last).
    """
    u = uniform((tries, n), like, generator) ** (1.0 / alpha)
    v = uniform((tries, n), like, generator) ** (1.0 / alpha)
    s = u + v
    ok = (s <= 1) & (s > 0)
    first = torch.where(ok.any(0), ok.float().argmax(0), torch.full_like(ok[0], tries - 1, dtype=torch.long))
    ratio = torch.where(s > 0, u / s.clamp(min=torch.finfo(s.dtype).tiny), torch.full_like(s, 0.5))
    return ratio.gather(0, first[None, :])[0]


class Transform:
    """A named augmentation: ``transform(x, y, lengths, w, generator) -> (x, y, lengths, w)``.

    Subclasses set ``name`` and define ``__call__``; ``mixes_targets``
    says whether it needs float targets (see the module).
    """

    name: str = ""
    mixes_targets: bool = False

    def __call__(self, x: Tensor, y: Tensor, lengths: Tensor | None, w: Tensor,
                 generator: torch.Generator) -> tuple[Tensor, Tensor, Tensor | None, Tensor]:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(vars(self).items()))))


class Jitter(Transform):
    """Add Gaussian noise: ``sigma`` times each series' and channel's own standard deviation.

    Scaled to the series, so it adds the same relative noise whatever the
    units or ``scaling`` (Um et al. 2017; Iwana & Uchida 2021).
    """

    name = "jitter"

    def __init__(self, sigma: float = 0.03) -> None:
        self.sigma = sigma

    def __call__(self, x, y, lengths, w, generator):
        mask = valid_steps(x, lengths).to(x.dtype)
        n = mask.sum(2, keepdim=True).clamp(min=1)
        mean = (x * mask).sum(2, keepdim=True) / n
        std = (((x - mean) * mask) ** 2).sum(2, keepdim=True).div(n).sqrt()
        return x + normal(x.shape, self.sigma, x, generator) * std * mask, y, lengths, w


class Scaling(Transform):
    """Multiply each series' channel by a factor drawn around 1 (Um et al. 2017).

    The factor is normal, of mean 1 and standard deviation ``sigma``.
    """

    name = "scaling"

    def __init__(self, sigma: float = 0.1) -> None:
        self.sigma = sigma

    def __call__(self, x, y, lengths, w, generator):
        factor = 1.0 + normal((x.shape[0], x.shape[1], 1), self.sigma, x, generator)
        return torch.where(valid_steps(x, lengths), x * factor, x), y, lengths, w


class MagnitudeWarp(Transform):
    """Multiply each channel by a smooth random curve around 1.

    The curve passes through ``knots`` + 2 points drawn from a normal
    distribution of mean 1 and standard deviation ``sigma``.

    Um et al. (2017) use a cubic spline; the curve here is piecewise linear,
    through points spread evenly over each series' own length.
    """

    name = "magnitude_warp"

    def __init__(self, sigma: float = 0.2, knots: int = 4) -> None:
        self.sigma, self.knots = sigma, knots

    def __call__(self, x, y, lengths, w, generator):
        points = 1.0 + normal((x.shape[0], x.shape[1], self.knots + 2), self.sigma, x, generator)
        curve = smooth_curve(points, relative_time(x, lengths))
        return torch.where(valid_steps(x, lengths), x * curve, x), y, lengths, w


class TimeWarp(Transform):
    """Warp time smoothly: speed up and slow down along each series, keeping its start, end and length.

    The local speed is a piecewise-linear curve through ``knots`` + 2 points
    drawn from a normal distribution of mean 1 and standard deviation
    ``sigma`` (at least 0.1); the series is read at the positions that
    speed reaches, rescaled to end where it ended (Um et al. 2017; Iwana &
    Uchida 2021).
    """

    name = "time_warp"

    def __init__(self, sigma: float = 0.2, knots: int = 4) -> None:
        self.sigma, self.knots = sigma, knots

    def __call__(self, x, y, lengths, w, generator):
        u = relative_time(x, lengths)
        points = (1.0 + normal((x.shape[0], self.knots + 2), self.sigma, x, generator)).clamp(min=0.1)
        speed = smooth_curve(points, u) * valid_steps(x, lengths)[:, 0].to(x.dtype)
        travelled = torch.cumsum(speed, dim=1) - speed[:, :1]
        last = (full_lengths(x, lengths) - 1).clamp(min=0)
        end = travelled.gather(1, last[:, None]).clamp(min=torch.finfo(x.dtype).tiny)
        positions = travelled / end * last[:, None].to(x.dtype)
        return resample(x, positions, lengths), y, lengths, w


class WindowSlice(Transform):
    """Read a random window of ``ratio`` of each series, stretched back to the series' length.

    Window slicing (Le Guennec et al. 2016) without its test-time voting:
    prediction sees whole series, which the stretch keeps at the scale the
    network trained on.
    """

    name = "window_slice"

    def __init__(self, ratio: float = 0.9) -> None:
        self.ratio = ratio

    def __call__(self, x, y, lengths, w, generator):
        last = (full_lengths(x, lengths) - 1).clamp(min=0).to(x.dtype)[:, None]
        width = self.ratio * last
        start = uniform((x.shape[0], 1), x, generator) * (last - width)
        positions = start + relative_time(x, lengths) * width
        return resample(x, positions, lengths), y, lengths, w


def _partners(x: Tensor, generator: torch.Generator) -> Tensor:
    """A random partner for each series of the batch (a permutation of the batch)."""
    return torch.randperm(x.shape[0], generator=generator, device=x.device)


def _zero_padding(x: Tensor, lengths: Tensor | None) -> Tensor:
    return x * valid_steps(x, lengths).to(x.dtype)


def _mixed(a: Tensor, b: Tensor, lam: Tensor) -> Tensor:
    """``lam * a + (1 - lam) * b`` with ``lam`` ``(n,)`` broadcast over the other axes."""
    lam = lam.view(-1, *([1] * (a.dim() - 1))).to(a.dtype)
    return lam * a + (1 - lam) * b


class _MixingTransform(Transform):
    """A transform that mixes each series with a random partner of the batch, in a share drawn from Beta."""

    mixes_targets = True

    def __init__(self, alpha: float) -> None:
        self.alpha = alpha

    def draw(self, x: Tensor, generator: torch.Generator) -> tuple[Tensor, Tensor]:
        """Each series' partner (an index into the batch) and its own share ``lam``, from Beta(alpha, alpha)."""
        return _partners(x, generator), symmetric_beta(x.shape[0], self.alpha, x, generator)


class Mixup(_MixingTransform):
    """Mix each series with a random partner of the batch, and their targets alike (Zhang et al. 2018).

    The share of each series' own values, ``lam``, is drawn from
    Beta(``alpha``, ``alpha``) per series; targets and loss weights mix with
    the same share. Of two series of unequal length, the shorter counts as
    zero past its end, and the mix has the longer length.
    """

    name = "mixup"

    def __init__(self, alpha: float = 0.2) -> None:
        super().__init__(alpha)

    def __call__(self, x, y, lengths, w, generator):
        other, lam = self.draw(x, generator)
        x = _zero_padding(x, lengths)
        mixed = _mixed(x, x[other], lam)
        lengths = None if lengths is None else torch.maximum(lengths, lengths[other])
        return mixed, _mixed(y, y[other], lam), lengths, _mixed(w, w[other], lam)


class CutMix(_MixingTransform):
    """Replace a random stretch of each series by the same steps of a random partner (Yun et al. 2019).

    The stretch covers a share ``1 - lam`` of the series' length, ``lam``
    drawn from Beta(``alpha``, ``alpha``); targets and loss weights mix with
    the share of steps actually kept. The series keeps its own length; a
    partner shorter than the stretch counts as zero past its end.
    """

    name = "cutmix"

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__(alpha)

    def __call__(self, x, y, lengths, w, generator):
        other, lam = self.draw(x, generator)
        n = full_lengths(x, lengths).to(x.dtype)
        cut = ((1 - lam) * n).round()
        start = (uniform((x.shape[0],), x, generator) * (n - cut + 1)).floor().clamp(max=n - cut)
        steps = torch.arange(x.shape[2], device=x.device, dtype=x.dtype)[None, :]
        inside = (steps >= start[:, None]) & (steps < (start + cut)[:, None])
        partner = _zero_padding(x, lengths)[other]
        x = torch.where(inside[:, None, :], partner, x)
        kept = 1 - cut / n.clamp(min=1)
        return x, _mixed(y, y[other], kept), lengths, _mixed(w, w[other], kept)


#: The named transforms, by name (``augmentation="jitter"`` builds ``Jitter()``).
TRANSFORMS: dict[str, type[Transform]] = {t.name: t for t in (
    WindowSlice, Jitter, Scaling, MagnitudeWarp, TimeWarp, Mixup, CutMix)}

__all__ = ["CutMix", "Jitter", "MagnitudeWarp", "Mixup", "Scaling", "TimeWarp", "Transform", "WindowSlice"]
