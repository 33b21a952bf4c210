"""The stacked MLP against its one-model-at-a-time reference; the toy data sets' geometry."""

import pytest
import torch

from demos.diffusion.toy_data import DATASETS, checkerboard, column_orthonormal
from demos.diffusion.toy_mlp import (
    Adam,
    init_stack,
    logit_normal,
    mlp_stack,
    mlp_stack_homogeneous,
    mlp_stack_reference,
)

GRID = [(1, 5, [3, 4, 2]), (3, 7, [9, 16, 16, 8]), (6, 1, [2, 32, 32, 32, 2])]


@pytest.mark.parametrize(
    "m, b, sizes", GRID, ids=[f"M{m}-B{b}-{len(s) - 1}layers" for m, b, s in GRID]
)
def test_stack_matches_reference(m, b, sizes):
    g = torch.Generator().manual_seed(0)
    params = [p.detach().double() for p in init_stack(m, sizes, g)]
    h = torch.randn(m, b, sizes[0], generator=g, dtype=torch.float64)
    ref = mlp_stack_reference(params, h)
    for fast in (mlp_stack(params, h), mlp_stack_homogeneous(params, h)):
        assert fast.shape == (m, b, sizes[-1])
        assert torch.allclose(fast, ref, rtol=0, atol=1e-12)


def test_adam_matches_torch_optim():
    g = torch.Generator().manual_seed(2)
    ours = [p.detach().double().requires_grad_() for p in init_stack(2, [3, 5, 2], g)]
    theirs = [p.detach().clone().requires_grad_() for p in ours]
    opt_ours, opt_theirs = Adam(ours, lr=0.01), torch.optim.Adam(theirs, lr=0.01)
    for _ in range(5):
        h = torch.randn(2, 7, 3, generator=g, dtype=torch.float64)
        mlp_stack(ours, h).square().sum().backward()
        mlp_stack(theirs, h).square().sum().backward()
        opt_ours.step()
        opt_theirs.step()
        opt_theirs.zero_grad()
    assert all(torch.allclose(a, b, rtol=1e-12, atol=1e-14) for a, b in zip(ours, theirs))
    assert all(p.grad is None for p in ours)


def test_models_in_a_stack_are_independent():
    g = torch.Generator().manual_seed(1)
    params = init_stack(3, [4, 8, 2], g)
    h = torch.randn(3, 5, 4, generator=g)
    mlp_stack(params, h)[1].sum().backward()  # only model 1's output
    assert all(p.grad[[0, 2]].abs().max() == 0 for p in params)
    assert all(p.grad[1].abs().max() > 0 for p in params)


def test_init_is_seeded_and_bounded():
    a = init_stack(2, [16, 4], torch.Generator().manual_seed(5))
    b = init_stack(2, [16, 4], torch.Generator().manual_seed(5))
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert a[0].abs().max() <= 1 / 16**0.5 and a[0].shape == (2, 16, 4) and a[1].shape == (2, 1, 4)


def test_logit_normal_median():
    t = logit_normal((20_000,), -0.4, 1.0, torch.Generator().manual_seed(0))
    assert 0 < t.min() and t.max() < 1
    assert t.median().item() == pytest.approx(torch.sigmoid(torch.tensor(-0.4)).item(), abs=0.01)


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_datasets_are_seeded_2d_and_unit_scale(name):
    a = DATASETS[name](4000, torch.Generator().manual_seed(0))
    b = DATASETS[name](4000, torch.Generator().manual_seed(0))
    assert a.shape == (4000, 2) and torch.equal(a, b)
    assert 0.3 < a.std().item() < 2.0 and a.abs().max() < 3


def test_checkerboard_occupies_the_dark_squares_only():
    x = checkerboard(8000, torch.Generator().manual_seed(0))
    parity = (torch.floor(x[:, 0]) + torch.floor(x[:, 1])) % 2
    assert torch.all(parity == 0)
    cells = {(int(a), int(b)) for a, b in torch.floor(x).tolist()}
    assert len(cells) == 8


@pytest.mark.parametrize("d", [2, 8, 512])
def test_column_orthonormal(d):
    p = column_orthonormal(d, 2, torch.Generator().manual_seed(d))
    assert p.shape == (d, 2)
    assert torch.allclose(p.T @ p, torch.eye(2), atol=1e-6)
