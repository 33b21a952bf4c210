"""Builders for a result's `series` entries (design/demos.md §2.5), shared by the learned toys."""

from typing import Any

import torch


def plot(kind: str, x_label: str, y_label: str, lines: dict) -> dict[str, Any]:
    """A `series` entry: kind line | loglog | scatter | bar, labelled axes, {label: {x, y}}."""
    return {"kind": kind, "x_label": x_label, "y_label": y_label, "lines": lines}


def scatter_line(points: torch.Tensor, limit: int) -> dict[str, list[float]]:
    """A scatter line {x, y} from the first `limit` rows of an (N, 2) tensor."""
    points = points[:limit].cpu()
    return {"x": points[:, 0].tolist(), "y": points[:, 1].tolist()}
