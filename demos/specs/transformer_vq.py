"""Spec of demo D10: Transformer-VQ's linear-time attention equals quadratic attention over VQ keys.

Paper: Lingle, "Transformer-VQ: Linear-Time Transformers via Vector Quantization", ICLR 2024
(arXiv:2309.16354). design/demos.md D10.
"""

from typing import Any

from demos.base import Claim, Demo, DemoParamsInvalid, Param, Size, register, table

SMOKE = {"batch": 1, "heads": 1, "d": 32, "codes": 16, "block": 64, "T": 512,
         "timing_T": (128, 256, 512, 1024, 2048), "timing_dtype": "float32", "warmup": 2,
         "reps": 5, "cpu_threads": 1}  # fmt: skip
FULL = {"batch": 1, "heads": 8, "d": 128, "codes": 512, "block": 512, "T": 4096,
        "timing_T": (2048, 4096, 8192, 16384, 32768, 65536), "timing_dtype": "bfloat16",
        "warmup": 5, "reps": 20}  # fmt: skip
MAX_CACHE_ROWS = 2048 * 256 // 32  # smoke: T / B blocks x S codes of cache, within 5 s

ANCHOR = table(
    "Transformer-VQ: the paper's headline numbers",
    ["claim", "value", "source"],
    [
        ["speed-up vs quadratic, 8k", "over 3x", "arXiv:2309.16354, abstract"],
        ["speed-up vs quadratic, 32k", "over 12x", "arXiv:2309.16354, abstract"],
        ["Enwik8", "0.99 bpb", "arXiv:2309.16354, abstract"],
        ["PG-19", "26.6 ppl", "arXiv:2309.16354, abstract"],
        ["ImageNet64", "3.16 bpb", "arXiv:2309.16354, abstract"],
    ],
    "Speed-ups: the author's optimised JAX implementation, whole model, against a comparable "
    "quadratic-time transformer.",
)  # fmt: skip


@register
class TransformerVQ(Demo):
    """Demo D10: exactness of the cached linear-time form, and time against T beside SDPA."""

    key = "attention.transformer_vq"
    title = "Transformer-VQ: exact softmax attention in linear time through vector-quantised keys"
    arxiv_ids = ("2309.16354",)
    version = 1
    impl = "demos.attention.transformer_vq"
    description = (
        "Quantise every key to a codebook, $\\hat k_j = C_{z_j}$ with $C \\in \\mathbb{R}^{S "
        "\\times d}$. Then each score $q_i \\cdot \\hat k_j$ is one of the $S$ scores "
        "$q_i \\cdot C_s$, and the whole past before the current block of length $B$ is summarised "
        "per code: $U_n = \\sum_{j < nB} e_{z_j} v_j^\\top$ and $l_n = \\sum_{j < nB} e_{z_j}$. "
        "Causal softmax attention becomes $o_i = (e^{q_i C^\\top} U_n + \\text{in-block}) / "
        "(e^{q_i C^\\top} l_n + \\text{in-block})$, exact, at cost $O(T(S + B)d)$ instead of "
        "$O(T^2 d)$. The demo checks the identity in float64 against quadratic attention over "
        "the same quantised keys, and times both forms against sequence length beside "
        "PyTorch's fused SDPA."
    )
    params = (
        Param("seed", "int", 0, "Random seed for queries, keys, values and the codebook.", 0,
              2**31 - 1),
        Param("T", "int", 512, "Sequence length of the exactness check.", 64, 2048,
              sizes=("smoke",)),
        Param("codes", "int", 16, "Codebook size S.", 2, 256, sizes=("smoke",)),
        Param("block", "int", 64, "Block length B (T must be a multiple of it).", 8, 512,
              sizes=("smoke",)),
    )  # fmt: skip
    sizes = {
        "smoke": Size("smoke", "cpu", 5.0, SMOKE),
        "full": Size("full", "cuda", 60.0, FULL),
    }
    claims = (
        Claim("exact_fp64", "Linear-time cached form = quadratic attention over the same VQ keys: "
              "max |difference| / max |o| < 1e-9 in float64"),
        Claim("close_bf16", "The same in bf16 inputs (fp32 cache) against the float64 reference: "
              "< 3e-2"),
    )  # fmt: skip
    anchors = {"paper": ANCHOR}
    caveats = (
        "Exactness is about attention with quantised keys, not about matching a model with "
        "unquantised keys; the codebook here is random, not learned.",
        "Speed depends on the implementation: ours is plain PyTorch against a fused flash kernel, "
        "one layer forward, so the crossover comes later than in the paper's optimised JAX.",
        "No compressive cache across segments and no learned gating: only the attention identity.",
        "Smoke times tiny shapes on one CPU thread (float32); its crossover says nothing about a "
        "GPU. Timings are reported, never asserted.",
    )

    @classmethod
    def validate(cls, params: dict[str, Any], size: str) -> None:
        """T must be a multiple of the block; the cache (T / B x S rows) must fit the budget."""
        if size != "smoke":
            return
        T, S, B = params["T"], params["codes"], params["block"]
        errors = {}
        if T % B:
            errors["block"] = f"T = {T} must be a multiple of the block length {B}"
        if T * S > MAX_CACHE_ROWS * B:
            msg = (f"T / block x codes (the cache's rows) must be at most {MAX_CACHE_ROWS:,} to "
                   "fit the 5 s smoke budget")  # fmt: skip
            errors |= {"T": msg, "codes": msg, "block": errors.get("block", msg)}
        if errors:
            raise DemoParamsInvalid(errors)
