"""The random streams of a fit: its seed, its networks' seeds, and torch's generators.

The estimator reads its ``random_state`` parameter through these functions;
what a network draws, and in which order, is
:func:`mlstm_fcn.training.member_setup.set_up_member`'s.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch
from sklearn.utils import check_random_state

#: Seeds lie in [0, 2**31 - 1): what every torch and numpy generator accepts.
SEED_BOUND = 2**31 - 1


def seed_from(random_state) -> int:
    """The integer seed of a fit from its ``random_state``.

    An integer is its own seed; a RandomState or Generator gives a draw; None
    gives fresh entropy, not a draw from numpy's global state (fitting leaves
    that alone).
    """
    if random_state is None:
        return int(np.random.default_rng().integers(SEED_BOUND))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(SEED_BOUND))
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, (bool, np.bool_)):
        return int(random_state) % SEED_BOUND
    return int(check_random_state(random_state).randint(SEED_BOUND))


def member_seeds(seed: int, k: int) -> list[int]:
    """Seeds of ``k`` ensemble networks.

    The first is ``seed`` itself (so that ``n_estimators=1`` trains exactly
    the single network of that seed), the others independent streams derived
    from it.
    """
    extra = np.random.SeedSequence(seed).generate_state(max(k - 1, 0), dtype=np.uint32)
    return [seed] + [int(v) % SEED_BOUND for v in extra]


def forked_rng(device: torch.device):
    """Context in which torch's global generators (CPU, and ``device``'s) may be reseeded freely."""
    return torch.random.fork_rng(devices=[device.index] if device.type == "cuda" else [])


def seed_torch(seed: int, device: torch.device) -> None:
    """Seed torch's global CPU generator and ``device``'s (inside :func:`forked_rng`)."""
    torch.default_generator.manual_seed(seed)
    if device.type == "cuda":
        with torch.cuda.device(device):
            torch.cuda.manual_seed(seed)
