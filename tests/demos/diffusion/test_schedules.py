"""Sigma schedules: end points, monotonicity, refinement."""

import pytest
import torch

from demos.diffusion.schedules import (
    SIGMA_MAX,
    SIGMA_MIN,
    refine_log,
    schedule_edm,
    schedule_logsnr,
)


@pytest.mark.parametrize("schedule", [schedule_edm, schedule_logsnr], ids=["edm", "logsnr"])
@pytest.mark.parametrize("n", [2, 6, 18])
def test_schedule_ends_and_decreases(schedule, n):
    s = schedule(n)
    assert len(s) == n and s.dtype == torch.float64
    assert s[0].item() == pytest.approx(SIGMA_MAX, rel=1e-12)
    assert s[-1].item() == pytest.approx(SIGMA_MIN, rel=1e-12)
    assert (s[1:] < s[:-1]).all()


def test_logsnr_is_uniform_in_log_sigma():
    d = schedule_logsnr(7).log().diff()
    assert torch.allclose(d, d[0].expand_as(d))


def test_refine_log_keeps_grid_points():
    grid = schedule_edm(5)
    fine = refine_log(grid, 4)
    assert len(fine) == 4 * 4 + 1
    assert torch.allclose(fine[::4], grid)
