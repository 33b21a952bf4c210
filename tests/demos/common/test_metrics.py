"""Distances and fits in demos/common/metrics.py against closed forms."""

import math

import pytest
import torch

from demos.common.metrics import energy_distance, frechet_distance, loglog_slope, z_score


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_frechet_of_a_set_with_itself_is_zero():
    x = torch.randn(500, 6, generator=gen(), dtype=torch.float64)
    assert frechet_distance(x, x) < 1e-9


def test_frechet_matches_closed_form_for_shift_and_scale():
    # FD(N(0, I), N(m, s^2 I)) = |m|^2 + D (1 - s)^2 up to sampling error
    x = torch.randn(200_000, 3, generator=gen(1), dtype=torch.float64)
    y = 2.0 * torch.randn(200_000, 3, generator=gen(2), dtype=torch.float64) + 1.0
    assert frechet_distance(x, y) == pytest.approx(3 * 1.0 + 3 * (1 - 2) ** 2, rel=0.02)


def test_energy_distance_zero_for_same_and_positive_for_shift():
    x = torch.randn(300, 2, generator=gen(3), dtype=torch.float64)
    assert abs(energy_distance(x, x)) < 1e-12
    assert energy_distance(x, x + 3) > 1.0


@pytest.mark.parametrize("order", [1.0, 2.0, 4.0])
def test_loglog_slope_of_a_power_law(order):
    xs = [10, 20, 40, 80]
    assert loglog_slope(xs, [3.0 * x**-order for x in xs]) == pytest.approx(-order)


def test_z_score():
    mean, se, z = z_score(torch.tensor([1.0, 2.0, 3.0, 4.0]))
    assert (
        mean == 2.5 and se == pytest.approx(math.sqrt(5 / 3) / 2) and z == pytest.approx(mean / se)
    )
