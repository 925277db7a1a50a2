"""A fitted network as plain data (its config and CPU weights) and back: the one rebuild."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from ..nn import build_network


def cpu_weights(network: nn.Module) -> dict[str, Tensor]:
    """The network's weights and buffers as contiguous CPU copies (a GPU model loads anywhere)."""
    return {k: v.detach().to("cpu").contiguous().clone() for k, v in network.state_dict().items()}


def rebuild_network(config: dict[str, Any], weights: dict[str, Tensor], device: torch.device) -> nn.Module:
    """The network of ``config`` (an ensemble's included) holding ``weights``, on ``device``, in eval mode.

    Raises
    ------
    RuntimeError
        When ``weights`` do not fit the network that ``config`` describes.
    """
    # Built on the meta device, then given empty storage that the weights fill: no random
    # initialisation, so loading, unpickling and deepcopy leave torch's global generators alone.
    with torch.device("meta"):
        network = build_network(config)
    network = network.to_empty(device=device).to(torch.float32)
    network.load_state_dict(weights)
    return network.eval()
