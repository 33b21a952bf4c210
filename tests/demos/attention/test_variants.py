"""MHA, GQA and MQA decode paths against the naive reference over a shape grid."""

import pytest
import torch

from demos.attention.naive import attention_naive
from demos.attention.variants import DECODE_PATHS, kv_heads

GRID = [
    # (B, Hq, variant, groups, L, D)
    (1, 4, "mha", 0, 1, 32),
    (2, 8, "mha", 0, 37, 64),
    (3, 8, "gqa", 2, 64, 64),
    (2, 8, "gqa", 4, 129, 32),
    (2, 8, "mqa", 0, 256, 64),
    (1, 16, "mqa", 0, 17, 128),
]
DTYPES = {"fp32": (torch.float32, 1e-5), "bf16": (torch.bfloat16, 2e-2)}


def grid_id(case):
    B, H, variant, g, L, D = case
    return f"B{B}-H{H}-{variant}{g or ''}-L{L}-D{D}"


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("case", GRID, ids=[grid_id(c) for c in GRID])
@pytest.mark.parametrize("path", ["sdpa_default", "sdpa_math", "bmm"])
def test_decode_matches_naive(path, case, dtype):
    B, H, variant, groups, L, D = case
    torch_dtype, tol = DTYPES[dtype]
    g = torch.Generator().manual_seed(L)
    Hkv = kv_heads(variant, H, groups)
    q = torch.randn(B, H, 1, D, generator=g).to(torch_dtype)  # (B, H, 1, D)
    k = torch.randn(B, Hkv, L, D, generator=g).to(torch_dtype)  # (B, Hkv, L, D)
    v = torch.randn(B, Hkv, L, D, generator=g).to(torch_dtype)
    ref = attention_naive(q.double(), k.double(), v.double())
    if path.startswith("sdpa"):
        out = DECODE_PATHS["sdpa"](q, k, v, backend=path.split("_")[1])
    else:
        out = DECODE_PATHS["bmm"](q, k, v)
    assert out.shape == ref.shape and out.dtype == torch_dtype
    assert ((out.double() - ref).norm() / ref.norm()).item() < tol


def test_kv_heads():
    assert [kv_heads(v, 32, 8) for v in ("mha", "gqa", "mqa")] == [32, 8, 1]


@pytest.mark.parametrize("Tq, Tk", [(5, 5), (1, 9), (3, 8)], ids=["square", "decode", "chunk"])
def test_naive_matches_an_explicit_loop(Tq, Tk):
    g = torch.Generator().manual_seed(0)
    q = torch.randn(1, 4, Tq, 8, generator=g, dtype=torch.float64)
    k = torch.randn(1, 2, Tk, 8, generator=g, dtype=torch.float64)
    v = torch.randn(1, 2, Tk, 6, generator=g, dtype=torch.float64)
    out = attention_naive(q, k, v, causal=True)
    for h in range(4):
        for i in range(Tq):
            pos = Tk - Tq + i
            s = torch.stack([q[0, h, i] @ k[0, h // 2, j] for j in range(pos + 1)]) / 8**0.5
            expected = (torch.softmax(s, 0)[:, None] * v[0, h // 2, : pos + 1]).sum(0)
            assert torch.allclose(out[0, h, i], expected)


@pytest.mark.gpu
@pytest.mark.parametrize("backend", ["default", "flash", "efficient", "cudnn", "math"])
def test_decode_sdpa_backends_on_gpu(backend):
    g = torch.Generator(device="cuda").manual_seed(0)
    q = torch.randn(4, 32, 1, 128, generator=g, device="cuda", dtype=torch.bfloat16)
    k = torch.randn(4, 8, 1024, 128, generator=g, device="cuda", dtype=torch.bfloat16)
    v = torch.randn(4, 8, 1024, 128, generator=g, device="cuda", dtype=torch.bfloat16)
    ref = attention_naive(q, k, v).double()
    try:
        out = DECODE_PATHS["sdpa"](q, k, v, backend=backend)
    except RuntimeError as exc:
        pytest.skip(f"{backend} rejects these shapes: {exc}")
    assert ((out.double() - ref).norm() / ref.norm()).item() < 2e-2
