"""Demo D11: masks, attention and BD3-LM bound against their references; smoke claims on seeds 0-4."""

import math

import pytest
import torch

from demos.base import DemoParamsInvalid, Size, check_result, validate_params
from demos.common.adam import adam_moments, adam_update
from demos.dlm.model import (
    Transformer,
    attention,
    attention_reference,
    block_diffusion_mask,
    block_diffusion_mask_reference,
    causal_mask,
)
from demos.dlm.objectives import (
    bd3_terms,
    bd3_terms_reference,
    chain_entropy_per_token,
    markov_chain,
    mdm_terms,
    sample_chain,
    sample_masking,
    stationary,
)
from demos.dlm.reversal import bijection, mdm_fill
from demos.specs.masked_diffusion import FULL_DIMS, MaskedDiffusion
from tests.demos import seeds

SEEDS = [0, 1, 2, 3, 4]
GRID = [(8, 1), (8, 2), (8, 4), (8, 8), (6, 3)]


@pytest.fixture(scope="module")
def smoke_runs():
    """One smoke run per seed 0-4 (one thread, as the size pins); shared by the claim tests."""
    return seeds.smoke_runs(MaskedDiffusion, SEEDS)


def _tiny_model(vocab=6, length=8, seed=0):
    torch.manual_seed(seed)
    return Transformer(vocab + 2, vocab, 16, 2, 2, length).double().eval()


@pytest.mark.parametrize("length, block", GRID, ids=[f"L{n}-block{b}" for n, b in GRID])
def test_block_diffusion_mask_matches_rules(length, block):
    assert torch.equal(
        block_diffusion_mask(length, block), block_diffusion_mask_reference(length, block)
    )


@pytest.mark.parametrize("mask", ["none", "causal", "block_diffusion"])
def test_attention_matches_reference(mask):
    g = torch.Generator().manual_seed(0)
    t = 8
    allowed = {
        "none": None,
        "causal": causal_mask(t),
        "block_diffusion": block_diffusion_mask(4, 2),
    }
    q, k, v = (torch.randn(2, 3, t, 5, generator=g, dtype=torch.float64) for _ in range(3))
    torch.testing.assert_close(
        attention(q, k, v, allowed[mask]), attention_reference(q, k, v, allowed[mask])
    )


@pytest.mark.parametrize("block", [1, 2, 4], ids=lambda b: f"block{b}")
def test_bd3_vectorised_bound_matches_block_by_block(block):
    model, length = _tiny_model(), 8
    g = torch.Generator().manual_seed(1)
    x0 = torch.randint(6, (5, length), generator=g)
    per = torch.arange(length) // block
    t_tok, masked = sample_masking(x0.shape, per, g, "cpu")
    t_tok = t_tok.double()
    fast = bd3_terms(model, x0, 6, block, t_tok, masked)
    ref = bd3_terms_reference(model, x0, 6, block, t_tok, masked)
    torch.testing.assert_close(fast, ref, rtol=1e-10, atol=1e-10)


def test_bd3_with_one_block_is_the_mdm():
    model, length = _tiny_model(), 8
    g = torch.Generator().manual_seed(2)
    x0 = torch.randint(6, (4, length), generator=g)
    t_tok, masked = sample_masking(x0.shape, None, g, "cpu")
    t_tok = t_tok.double()
    torch.testing.assert_close(
        bd3_terms(model, x0, 6, length, t_tok, masked), mdm_terms(model, x0, 6, t_tok, masked)
    )


def test_sample_masking_shapes_and_stratified_grid():
    g = torch.Generator().manual_seed(3)
    t_tok, masked = sample_masking((6, 8), torch.arange(8) // 4, g, "cpu")
    assert t_tok.shape == masked.shape == (6, 8)
    assert torch.equal(t_tok[:, 0], t_tok[:, 3]) and not torch.equal(t_tok[:, 0], t_tok[:, 4])
    t_tok, _ = sample_masking((10, 3), None, g, "cpu", stratified=True)
    bins = ((t_tok[:, 0] - 1e-3) / (1 - 1e-3) * 10).floor().long().sort().values
    assert bins.tolist() == list(range(10))  # one t in each tenth of [0, 1)


def test_markov_chain_entropy_and_sampling():
    g = torch.Generator().manual_seed(4)
    p = markov_chain(5, 0.5, g)
    assert torch.allclose(p.sum(1), torch.ones(5, dtype=torch.float64))
    pi = stationary(p)
    assert torch.allclose(pi @ p, pi, atol=1e-12)
    # a deterministic cycle: only the first token carries information (log V over L tokens)
    cycle = torch.roll(torch.eye(4, dtype=torch.float64), 1, 1)
    assert chain_entropy_per_token(cycle, stationary(cycle), 8) == pytest.approx(math.log(4) / 8)
    # i.i.d. rows: every token carries H(pi)
    iid = torch.full((4, 4), 0.25, dtype=torch.float64)
    assert chain_entropy_per_token(iid, stationary(iid), 8) == pytest.approx(math.log(4))
    x = sample_chain(cycle, stationary(cycle), 50, 6, g)
    assert torch.equal(x[:, 1:], (x[:, :-1] + 1) % 4)


def test_bijection_entities_are_distinct_and_disjoint():
    a, b = bijection(40, 10, torch.Generator().manual_seed(5))
    pairs = {tuple(p) for p in torch.cat([a, b]).tolist()}
    assert a.shape == b.shape == (40, 2) and len(pairs) == 80
    with pytest.raises(ValueError, match="distinct token pairs"):
        bijection(60, 10, torch.Generator())


@pytest.mark.parametrize("decode", ["confidence", "parallel"])
def test_mdm_fill_fills_only_masks(decode):
    def model(x, pos):  # predicts token (position + 1) with confidence growing with position
        logits = torch.zeros(*x.shape, 6)
        for i in range(x.shape[1]):
            logits[:, i, i + 1] = 1.0 + i
        return logits

    x = torch.tensor([[6, 6, 3, 6], [0, 6, 6, 2]])
    out = mdm_fill(model, x, 6, decode)
    assert out.tolist() == [[1, 2, 3, 4], [0, 2, 3, 2]]


def test_adam_update_matches_torch_adam_with_other_betas():
    p = torch.randn(3, 4, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    ref = torch.nn.Parameter(p.clone())
    opt = torch.optim.Adam([ref], lr=0.02, betas=(0.9, 0.98))
    moments = adam_moments([p])
    for t in range(1, 4):
        grad = torch.sin(p * t)
        adam_update([p], [grad], moments, [0.02], t, (0.9, 0.98))
        ref.grad = torch.sin(ref.detach() * t)
        opt.step()
    torch.testing.assert_close(p, ref.detach(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_smoke_claims_hold_on_every_seed(smoke_runs, seed):
    result = smoke_runs[seed]
    summary = seeds.assert_all_checks_pass(result)
    s = summary
    assert s["facts"] == 48 and s["steps"] == 150 and result["env"]["threads"] == 1
    assert s["ar_forward_accuracy"] >= 0.9 and s["ar_reversal_accuracy"] <= 0.1
    assert s["mdm_forward_accuracy"] >= 0.9 and s["mdm_reversal_accuracy"] >= 0.9
    names = {c["name"] for c in result["checks"]}
    assert names == {"ar_forward", "ar_reversal_cursed", "mdm_forward", "mdm_reversal"}
    rows = result["tables"]["comparison"]["rows"]
    assert ["reversal accuracy (%)", "AR", "GPT-4o: 34.3"] == rows[1][:3]
    assert rows[1][3] == round(100 * s["ar_reversal_accuracy"], 1)
    assert "likelihood" not in result["tables"] and "nll_bounds" not in result["series"]


def test_params_refused_per_field_with_the_budget_named():
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(MaskedDiffusion, {"steps": 300, "facts": 100}, "smoke")
    assert set(exc.value.errors) == {"steps", "facts"}
    assert "150" in exc.value.errors["steps"] and "5 s" in exc.value.errors["steps"]
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(MaskedDiffusion, {"facts": 100}, "full")
    assert "not offered" in exc.value.errors["facts"]
    with pytest.raises(DemoParamsInvalid) as exc:
        validate_params(MaskedDiffusion, {"decode": "random"}, "smoke")
    assert "confidence" in exc.value.errors["decode"]


def test_full_code_path_on_cpu_with_tiny_dims(monkeypatch):
    """The full size's branch (part (b): four models, bounds, their checks) with tiny dims."""
    tiny = {**FULL_DIMS}
    tiny["reversal"] = {**FULL_DIMS["reversal"], "d": 16, "vocab": 12, "facts": 8, "steps": 20,
                        "ar_batch": 8, "mdm_batch": 16}  # fmt: skip
    tiny["likelihood"] = {**FULL_DIMS["likelihood"], "d": 16, "states": 4, "length": 8,
                          "blocks": (2, 4), "steps": 10, "batch": 16, "train_sequences": 64,
                          "eval_sequences": 16, "mc_samples": 3}  # fmt: skip
    monkeypatch.setattr(
        MaskedDiffusion,
        "sizes",
        {**MaskedDiffusion.sizes, "full": Size("full", "cuda", 60.0, tiny)},
    )
    result = MaskedDiffusion().run(
        validate_params(MaskedDiffusion, {}, "full"), "full", device="cpu"
    )
    check_result(result)
    assert result["env"]["off_budget"] is True
    names = {c["name"] for c in result["checks"]}
    for kind in ("ar", "bd3_2", "bd3_4", "mdm"):
        assert {f"bound_valid_{kind}", f"bound_close_{kind}"} <= names
    s = result["summary"]
    assert s["h_true_nats_per_token"] > 0 and s["bound_ar"] > 0
    assert [r[1] for r in result["tables"]["bounds"]["rows"]] == [1, 2, 4, 8]
    assert isinstance(result["tables"]["comparison"]["rows"][-1][3], float)


@pytest.mark.gpu
def test_full_size_on_gpu():
    seeds.assert_full_size_on_gpu(MaskedDiffusion)
