"""Demo D9: quantisers against their references and closed-form gradients, k-means, the claims."""

import pytest
import torch

from demos.base import DemoParamsInvalid, Size, check_result, validate_params
from demos.specs.diveq import FULL, DiVeQ
from demos.vq import quantizers as vq
from demos.vq.diveq import Adam, _replace_dead
from tests.demos.seeded import smoke_runs_one_thread

SHAPES = {
    "S1 B5 K3 D2": (1, 5, 3, 2),
    "S3 B64 K256 D8": (3, 64, 256, 8),
    "S2 B7 K1 D4": (2, 7, 1, 4),
}


def _rand(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.mark.parametrize("S, B, K, D", SHAPES.values(), ids=SHAPES.keys())
def test_nearest_matches_reference(S, B, K, D):
    z, cb = _rand(S, B, D), _rand(S, K, D, seed=1)
    assert torch.equal(vq.nearest(z, cb), vq.nearest_reference(z, cb))
    c = vq.gather(cb, vq.nearest(z, cb))
    assert c.shape == (S, B, D) and torch.equal(c[0, 0], cb[0, vq.nearest(z, cb)[0, 0]])


def test_ste_value_and_straight_through_gradient():
    z, cb = _rand(2, 6, 3).requires_grad_(), _rand(2, 4, 3, seed=1).requires_grad_()
    z_q, idx, aux = vq.ste(z, cb)
    assert torch.allclose(z_q, vq.gather(cb, idx))
    z_q.sum().backward()
    assert torch.equal(z.grad, torch.ones_like(z)) and cb.grad is None  # only via aux
    assert aux.item() == pytest.approx(
        1.25 * (z - vq.gather(cb, idx)).square().sum(-1).mean().item()
    )


@pytest.mark.parametrize("sigma", [0.0, 1e-3], ids=["sigma0", "sigma1e-3"])
def test_diveq_gradient_matches_closed_form(sigma):
    z, cb = _rand(2, 5, 4).requires_grad_(), _rand(2, 3, 4, seed=1).requires_grad_()
    w = _rand(2, 5, 4, seed=2)
    g = torch.Generator().manual_seed(3)
    z_q, idx, _ = vq.diveq(z, cb, sigma, g)
    c = vq.gather(cb, idx).detach()
    d = c - z.detach()
    dhat = d / d.norm(dim=-1, keepdim=True)
    assert (z_q - c).norm(dim=-1).max() < 10 * sigma + 1e-12  # the value is (almost) c*
    (z_q * w).sum().backward()
    u = (z_q.detach() - z.detach()) / d.norm(dim=-1, keepdim=True)  # the detached direction
    wu = (w * u).sum(-1, keepdim=True)
    assert torch.allclose(z.grad, w - wu * dhat, atol=1e-12)  # d||c - z|| / dz = -dhat
    expected = torch.zeros_like(cb).scatter_add_(1, idx[..., None].expand(-1, -1, 4), wu * dhat)
    assert torch.allclose(cb.grad, expected, atol=1e-12)


def test_sf_diveq_lands_between_neighbours_and_feeds_both():
    z = _rand(1, 16, 2).requires_grad_()
    cb = _rand(1, 5, 2, seed=1).requires_grad_()
    z_q, idx, _ = vq.sf_diveq(z, cb, 0.0, torch.Generator().manual_seed(0))
    a, b = cb[0, :-1].detach(), cb[0, 1:].detach()  # (4, 2) segment ends
    for p in z_q[0].detach():
        lam = ((p - a) * (b - a)).sum(-1) / (b - a).square().sum(-1)
        off = (a + lam[:, None] * (b - a) - p).norm(dim=-1)
        assert ((off < 1e-9) & (lam >= -1e-9) & (lam <= 1 + 1e-9)).any()
    z_q.sum().backward()
    assert (cb.grad.abs().sum(-1) > 0).sum() >= 2 and idx.shape == (1, 16)


def test_usage_and_perplexity():
    used, ppl = vq.usage(torch.tensor([[0, 1, 2, 3], [2, 2, 2, 2]]), 8)
    assert used == [4, 1] and ppl[0] == pytest.approx(4.0) and ppl[1] == pytest.approx(1.0)


def test_lloyd_finds_separated_clusters():
    g = torch.Generator().manual_seed(0)
    centres = torch.tensor([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
    z = (centres.repeat(100, 1) + 0.1 * torch.randn(300, 2, generator=g))[None]  # (1, 300, 2)
    fitted = vq.lloyd(z, 3, 20, torch.Generator().manual_seed(1))
    assert vq.distortion(z, fitted)[0] < 0.03  # 2 x 0.1^2 per point when every cluster is found
    exact = vq.lloyd(z[:, :3], 3, 5, g)  # K = N: every point its own centre
    assert vq.distortion(z[:, :3], exact)[0] == 0


def test_replace_dead_moves_only_unused_codes():
    cb = torch.zeros(1, 4, 2)
    counts = torch.tensor([[50.0, 50.0, 0.0, 0.0]])
    z = torch.ones(1, 8, 2)
    _replace_dead(cb, counts, z, torch.Generator().manual_seed(0))
    assert torch.equal(cb[0, :2], torch.zeros(2, 2)) and torch.equal(cb[0, 2:], torch.ones(2, 2))


def test_adam_matches_torch_optim():
    ours = [_rand(3, 4).requires_grad_(), _rand(5, seed=1).requires_grad_()]
    ref = [p.detach().clone().requires_grad_() for p in ours]
    opt_ours, opt_ref = Adam(ours, lr=1e-2), torch.optim.Adam(ref, lr=1e-2)
    for step in range(5):
        for params in (ours, ref):
            sum((p * (step + 1) + p.square()).sum() for p in params).backward()
        opt_ours.step()
        opt_ref.step()
        opt_ref.zero_grad()
    assert all(torch.allclose(a, b, atol=1e-12) for a, b in zip(ours, ref))
    assert all(p.grad is None for p in ours)


def test_params_and_budget_limit():
    assert validate_params(DiVeQ, {}, "smoke") == {"seed": 0, "steps": 0}  # 0: size default
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(DiVeQ, {"steps": 800}, "smoke")
    assert "at most 700" in exc.value.errors["steps"] and "5 s" in exc.value.errors["steps"]
    assert validate_params(DiVeQ, {"steps": 3000}, "full")["steps"] == 3000
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(DiVeQ, {"steps": 10}, "smoke")
    assert "at least 100" in exc.value.errors["steps"]


@pytest.fixture(scope="module")
def smoke_runs():
    """The smoke run at seeds 0..4 on one thread (one seed per run at smoke)."""
    return smoke_runs_one_thread(DiVeQ)


@pytest.mark.parametrize("seed", range(5))
def test_smoke_claims_on_every_seed(smoke_runs, seed):
    result = smoke_runs[seed]
    check_result(result)
    s = result["summary"]
    assert s["steps"] == 600
    assert s["used_diveq"] >= 4 * s["used_ste"] and s["used_ste"] <= 0.5 * s["K"]
    assert s["mse_diveq"] < 0.9 * s["mse_ste"]
    assert s["perplexity_diveq"] > 3 * s["perplexity_ste"]
    checks = {c["name"]: c for c in result["checks"]}
    assert set(checks) == {"diveq_uses_more_codes", "diveq_lower_mse"}
    assert all(c["passed"] for c in checks.values()), checks
    assert [e["seed"] for e in checks["diveq_lower_mse"]["seeds"]] == [seed]
    curve = result["series"]["codes_used_during_training"]["lines"]["DiVeQ"]["y"]
    assert curve[-1] > curve[0]  # DiVeQ keeps recruiting codes during training
    assert "comparison" in result["tables"] and result["env"]["threads"] == 1


def test_full_code_path_on_cpu_with_tiny_dims(monkeypatch):
    tiny = {**FULL, "K": 32, "latent": 4, "eval": 512, "width": 32, "batch": 32, "seeds": 2,
            "eval_every": 50, "replace_every": 20, "lloyd_iters": 3}  # fmt: skip
    monkeypatch.setattr(DiVeQ, "sizes", {**DiVeQ.sizes, "full": Size("full", "cuda", 60.0, tiny)})
    result = DiVeQ().run(validate_params(DiVeQ, {"steps": 100}, "full"), "full", device="cpu")
    check_result(result)
    assert result["env"]["off_budget"] is True
    assert {c["name"] for c in result["checks"]} == {"ste_collapses", "diveq_full_codebook",
                                                     "diveq_mse_full"}  # fmt: skip
    assert len(result["tables"]["seeds"]["rows"]) == 4 * 2  # 4 estimators x 2 seeds


@pytest.mark.gpu
def test_full_size_on_gpu():
    result = DiVeQ().run(validate_params(DiVeQ, {}, "full"), "full")
    check_result(result)
    assert result["env"]["device"] == "cuda"
    assert all(c["passed"] for c in result["checks"]), result["checks"]
