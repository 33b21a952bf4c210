"""Spec of demo D7: KV-cache bytes per token and the decode roofline, MHA -> GQA -> MQA -> MLA.

Papers: DeepSeek-V2 (arXiv:2405.04434, primary; introduces MLA), DeepSeek-V3 (2412.19437), MQA
(1911.02150), GQA (2305.13245). design/demos.md §4.
"""

from typing import Any

from demos.base import Claim, Demo, DemoParamsInvalid, Param, Size, register, table

# Shapes are plain data here; the impl builds MLAConfig / DecodeShape from them.
SMOKE = {
    "mla": {"d_model": 512, "n_heads": 4, "d_head": 64, "d_latent": 256, "d_q_latent": 768,
            "d_rope": 32},
    "T": 128,
    "decode": {"batch": 1, "context": 512, "heads": 8, "d_head": 64, "groups": 2,
               "mla_heads": 8, "dtype": "float32", "warmup": 1},
    "backends": ("default", "math"),
    "copy_bytes": 1 << 24,
    "matmul_n": 512,
    "reps": 5,
    "roofline_checks": False,
    "cpu_threads": 1,  # tiny ops: threading overhead exceeds the gain on a shared CPU
}  # fmt: skip
FULL = {
    "mla": {"d_model": 5120, "n_heads": 128, "d_head": 128, "d_latent": 512, "d_q_latent": 1536,
            "d_rope": 64},
    "T": 4096,
    "decode": {"batch": 64, "context": 8192, "heads": 32, "d_head": 128, "groups": 8,
               "mla_heads": 32, "mla_extra_heads": (128,)},
    "backends": ("default", "flash", "efficient", "cudnn", "math"),
    "copy_bytes": 1 << 30,
    "matmul_n": 8192,
    "reps": 20,
    "roofline_checks": True,
}  # fmt: skip

ANCHOR_TABLE1 = table(
    "DeepSeek-V2 Table 1: KV cache per token (elements) and capability",
    ["attention", "KV cache per token", "capability"],
    [
        ["MHA", "2 n_h d_h l", "strong"],
        ["GQA", "2 n_g d_h l", "moderate"],
        ["MQA", "2 d_h l", "weak"],
        ["MLA", "(d_c + d_R) l = 9/2 d_h l", "stronger"],
    ],
    "Source: arXiv:2405.04434, Table 1.",
)
ANCHOR_HEADLINES = table(
    "Headline numbers quoted by the papers and kernels (anchors, never asserted)",
    ["claim", "value", "source"],
    [
        ["KV cache reduction vs DeepSeek 67B", "93.3%", "arXiv:2405.04434, abstract"],
        ["maximum generation throughput vs DeepSeek 67B", "5.76x", "arXiv:2405.04434, abstract"],
        ["FlashMLA, memory-bound (H800)", "3000 GB/s", "deepseek-ai/FlashMLA README"],
        ["FlashMLA, compute-bound (H800)", "660 TFLOPS", "deepseek-ai/FlashMLA README"],
    ],
)


@register
class KVCache(Demo):
    """Demo D7: cache formulas, MLA absorption check, decode roofline."""

    key = "attention.kv_cache"
    title = "KV cache and decode cost: MHA, GQA, MQA and multi-head latent attention (MLA)"
    arxiv_ids = ("2405.04434", "2412.19437", "1911.02150", "2305.13245")
    version = 3
    impl = "demos.attention.kv_cache"
    description = (
        "How many bytes each attention variant keeps per token, what that means for a long "
        "context, and how fast one decode step reads it on the device we run on. Per token and "
        "layer MHA caches $2 n_h d_h$ elements, GQA $2 g d_h$, MQA $2 d_h$, and MLA a latent of "
        "width $d_c$ plus one shared RoPE key of width $d_R$: with DeepSeek's $d_c = 4 d_h$ and "
        "$d_R = d_h / 2$ that is $4.5 d_h$, as much as GQA with 2.25 groups. MLA's absorbed "
        "form (fold $W^{UK}$ into the query and $W^{UV}$ into the output) is the same "
        "computation as the naive one, and turns decode into MQA over a 576-wide latent cache."
    )
    params = (
        Param("seed", "int", 0, "Random seed for weights, inputs and caches.", 0, 2**31 - 1),
        Param(
            "mla_kv_bits", "choice", "16",
            "Bits per cached MLA element in the savings row (the 67B baseline stays at 16).",
            choices=("16", "8", "6"),
        ),
        Param("batch", "int", 64, "Sequences in the decode step.", 1, 128, sizes=("full",)),
        Param("context", "int", 8192, "Cached tokens per sequence.", 1024, 16384, sizes=("full",)),
        Param(
            "query_heads", "choice", "32", "Query heads of the MLA decode rows.",
            choices=("32", "128"), sizes=("full",),
        ),
    )  # fmt: skip
    sizes = {
        "smoke": Size("smoke", "cpu", 5.0, SMOKE),
        "full": Size("full", "cuda", 60.0, FULL),
    }
    claims = (
        Claim("published_sizes", "DeepSeek-V3 caches 70,272 B/token and Llama 3.1 405B "
              "516,096 B/token (bf16); MLA = GQA with 2.25 groups; 93.3 % saving only at ~6-bit "
              "MLA cache vs a bf16 baseline (82.2 % bf16 vs bf16)"),
        Claim("absorbed_equals_naive_fp32", "Absorbed MLA = naive MLA, relative error < 1e-5"),
        Claim("absorbed_equals_naive_bf16", "Absorbed MLA = naive MLA in bf16, relative error "
              "< 2e-2"),
        Claim("decoupled_rope_needed", "Absorption needs decoupled RoPE: for a layer that also "
              "rotates its compressed key, absorbed vs naive differ by > 0.1 (relative), while "
              "with decoupled RoPE they agree to < 1e-10 (float64)"),
        Claim("mha_at_roofline", "MHA decode >= 0.5 x measured copy bandwidth, with a working "
              "set of at least 4 x L2 (timed as a CUDA graph, L2 flushed each repetition)",
              ("full",)),
        Claim("time_follows_bytes", "t(MHA) / t(GQA-8) in [2, 8] (byte ratio 4), both working "
              "sets >= 4 x L2", ("full",)),
        Claim("mla_decode_bandwidth", "absorbed MLA decode >= 0.25 x copy bandwidth, working "
              "set >= 4 x L2", ("full",)),
    )  # fmt: skip
    anchors = {"table1": ANCHOR_TABLE1, "headlines": ANCHOR_HEADLINES}
    units = {
        "elements_per_token_": "elements per token (all layers)",
        "bytes_per_token_": "B per token (all layers, bf16)", "saving_": "fraction",
        "mla_kv_bits": "bits", "absorb_rel_err_": "relative error", "copy_TBps": "TB/s",
        "matmul_TFLOPS": "TFLOP/s", "time_us_": "µs per step", "TBps_": "TB/s",
        "fraction_of_copy_": "x measured copy bandwidth", "mla_TFLOPS": "TFLOP/s",
    }  # fmt: skip
    caveats = (
        "The 93.3 % figure depends on about 6-bit KV storage; bf16 against bf16 the saving is "
        "82.2 %.",
        "One layer, one decode step, random data: a micro-benchmark, not a serving system.",
        "Results depend on the torch version and the SDPA backend, both recorded in env.",
        "FlashMLA and other custom kernels are not used; the MLA rows are plain torch.",
        "The smoke size times tiny shapes on the CPU to exercise the code path; its timings say "
        "nothing about a GPU.",
        "GPU timings: roofs on random operands, L2 flushed before every repetition, each decode "
        "step replayed as a CUDA graph; a bandwidth claim fails when the working set is under "
        "4 x L2 (it could be served from cache).",
    )

    @classmethod
    def validate(cls, params: dict[str, Any], size: str) -> None:
        """Cross-field limit: batch * context <= 64 * 16384 (the MHA cache is then 17 GB)."""
        if size == "full" and params["batch"] * params["context"] > 64 * 16384:
            msg = "batch x context must be at most 1,048,576 (64 x 16,384)"
            raise DemoParamsInvalid({"batch": msg, "context": msg})
