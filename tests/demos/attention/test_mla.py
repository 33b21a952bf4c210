"""MLA: absorbed = naive over configs and dtypes, decode paths = reference, decode = last row."""

import pytest
import torch

from demos.attention.mla import (
    MLA_DECODE,
    MLAConfig,
    _queries,
    mla_absorbed,
    mla_cache,
    mla_decode_reference,
    mla_naive,
    mla_weights_random,
)

CONFIGS = {
    "tiny": MLAConfig(d_model=64, n_heads=2, d_head=16, d_latent=32, d_q_latent=48, d_rope=8),
    "smoke": MLAConfig(d_model=512, n_heads=4, d_head=64, d_latent=256, d_q_latent=768, d_rope=32),
    "wide-heads": MLAConfig(
        d_model=128, n_heads=16, d_head=8, d_latent=64, d_q_latent=32, d_rope=4
    ),
}
TOL = {torch.float64: 1e-12, torch.float32: 1e-5, torch.bfloat16: 2e-2}


def setup(name: str, B: int, T: int, seed: int = 0):
    cfg = CONFIGS[name]
    g = torch.Generator().manual_seed(seed)
    w = mla_weights_random(cfg, g, "cpu")
    h = torch.randn(B, T, cfg.d_model, generator=g, dtype=torch.float64)  # (B, T, d_model)
    return cfg, w, h


def rel(a, b):
    return ((a.double() - b.double()).norm() / b.double().norm()).item()


@pytest.mark.parametrize(
    "dtype", [torch.float64, torch.float32, torch.bfloat16], ids=["fp64", "fp32", "bf16"]
)
@pytest.mark.parametrize(
    "name, B, T",
    [("tiny", 2, 7), ("smoke", 1, 64), ("wide-heads", 3, 33)],
    ids=["tiny-B2-T7", "smoke-B1-T64", "wide-B3-T33"],
)
def test_absorbed_equals_naive(name, B, T, dtype):
    _, w, h = setup(name, B, T)
    ref = mla_naive(w, h)
    assert rel(mla_absorbed(w.to(dtype), h.to(dtype)), ref) < TOL[dtype]


@pytest.mark.parametrize("name,T", [("tiny", 9), ("smoke", 64)], ids=["tiny-T9", "smoke-T64"])
def test_rope_on_compressed_key_breaks_absorption_of_the_same_layer(name, T):
    """Same layer both sides: decoupled RoPE absorbs exactly, RoPE on the latent key does not."""
    _, w, h = setup(name, 1, T)
    assert rel(mla_absorbed(w, h), mla_naive(w, h)) < 1e-10
    coupled = mla_naive(w, h, rope_keys="compressed_too")
    assert rel(mla_absorbed(w, h, rope_keys="compressed_too"), coupled) > 0.1


def test_rope_on_one_position_is_the_identity():
    """Sanity of the failing case: at T = 1 every rotation is the identity, so absorption holds."""
    _, w, h = setup("tiny", 1, 1)
    coupled = mla_naive(w, h, rope_keys="compressed_too")
    assert rel(mla_absorbed(w, h, rope_keys="compressed_too"), coupled) < 1e-10


def test_absorbed_scale_is_not_latent_width():
    """Scale pitfall: 1/sqrt(d_h + d_R), not 1/sqrt(d_c + d_R), in the absorbed form too."""
    cfg, w, h = setup("tiny", 1, 9)
    c, k_r = mla_cache(w, h)
    q_c, q_r = _queries(w, h)
    q = torch.cat([torch.einsum("bhd,hdc->bhc", q_c[:, :, -1], w.W_UK), q_r[:, :, -1]], -1)
    kv = torch.cat([c, k_r], -1)  # (B, T, d_c + d_R)
    right = mla_decode_reference(q, kv, cfg.d_latent, (cfg.d_head + cfg.d_rope) ** -0.5)
    wrong = mla_decode_reference(q, kv, cfg.d_latent, (cfg.d_latent + cfg.d_rope) ** -0.5)
    assert rel(wrong, right) > 1e-3


@pytest.mark.parametrize("path", list(MLA_DECODE))
@pytest.mark.parametrize("name", list(CONFIGS))
def test_decode_from_cache_equals_last_row_of_naive(path, name):
    """One decode step over the packed cache, W_UV and W_O applied, = the naive layer's last row."""
    cfg, w, h = setup(name, 2, 24)
    c, k_r = mla_cache(w, h)  # (B, T, d_c), (B, T, d_R)
    q_c, q_r = _queries(w, h)
    q_lat = torch.einsum("bhd,hdc->bhc", q_c[:, :, -1], w.W_UK)  # (B, H, d_c) absorb W_UK
    q = torch.cat([q_lat, q_r[:, :, -1]], -1)  # (B, H, d_c + d_R)
    kv = torch.cat([c, k_r], -1)  # (B, T, d_c + d_R)
    o_lat = MLA_DECODE[path](q, kv, cfg.d_latent, (cfg.d_head + cfg.d_rope) ** -0.5)  # (B, H, d_c)
    o = torch.einsum("bhc,hdc->bhd", o_lat, w.W_UV).reshape(2, -1) @ w.W_O.T  # (B, d_model)
    assert rel(o, mla_naive(w, h)[:, -1]) < 1e-10


DECODE_GRID = [(1, 4, 16), (2, 8, 100), (3, 32, 256), (2, 128, 64)]


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16], ids=["fp32", "bf16"])
@pytest.mark.parametrize("B, H, L", DECODE_GRID, ids=[f"B{b}-H{h}-L{n}" for b, h, n in DECODE_GRID])
@pytest.mark.parametrize("path", list(MLA_DECODE))
def test_decode_paths_match_reference(path, B, H, L, dtype):
    g = torch.Generator().manual_seed(B * H + L)
    q = torch.randn(B, H, 576, generator=g).to(dtype)  # (B, H, d_c + d_R)
    kv = torch.randn(B, L, 576, generator=g).to(dtype)  # (B, L, d_c + d_R)
    ref = mla_decode_reference(q.double(), kv.double(), 512, 192**-0.5)  # (B, H, 512)
    out = MLA_DECODE[path](q, kv, 512, 192**-0.5)
    assert out.shape == (B, H, 512) and out.dtype == dtype
    assert rel(out, ref) < (1e-5 if dtype == torch.float32 else 3e-2)


@pytest.mark.gpu
@pytest.mark.parametrize("path", list(MLA_DECODE))
def test_decode_paths_on_gpu(path):
    g = torch.Generator(device="cuda").manual_seed(0)
    q = torch.randn(8, 32, 576, generator=g, device="cuda", dtype=torch.bfloat16)
    kv = torch.randn(8, 2048, 576, generator=g, device="cuda", dtype=torch.bfloat16)
    ref = mla_decode_reference(q.double(), kv.double(), 512, 192**-0.5)
    try:
        out = MLA_DECODE[path](q, kv, 512, 192**-0.5)
    except RuntimeError as exc:
        pytest.skip(f"{path} rejects these shapes here: {exc}")
    assert rel(out, ref) < 3e-2
