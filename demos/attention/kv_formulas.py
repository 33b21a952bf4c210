"""Part A of demo D7: KV-cache elements and bytes per token from the formulas, per model config.

Configurations are plain data with their source (public model configs); the formulas are
DeepSeek-V2's Table 1 (arXiv:2405.04434): MHA 2 n_h d_h l, GQA 2 g d_h l, MQA 2 d_h l,
MLA (d_c + d_R) l.
"""

from typing import Any

NOMINAL_H200_Bps = 4.8e12
CONTEXT_32K = 32_768
# name, attention, layers, query heads, head width, KV heads (MHA/GQA/MQA), d_c, d_R, source
CONFIGS = (
    ("DeepSeek-V2", "mla", 60, 128, 128, 0, 512, 64, "deepseek-ai/DeepSeek-V2 config.json"),
    ("DeepSeek-V3", "mla", 61, 128, 128, 0, 512, 64, "deepseek-ai/DeepSeek-V3 config.json"),
    ("DeepSeek-V3 shapes as MHA", "mha", 61, 128, 128, 128, 0, 0, "hypothetical: V3 with MHA"),
    ("DeepSeek LLM 67B", "gqa", 95, 64, 128, 8, 0, 0, "deepseek-ai/deepseek-llm-67b-base"),
    ("Llama 3 70B", "gqa", 80, 64, 128, 8, 0, 0, "meta-llama/Meta-Llama-3-70B config.json"),
    ("Qwen2.5 72B", "gqa", 80, 64, 128, 8, 0, 0, "Qwen/Qwen2.5-72B config.json"),
    ("Llama 3.1 405B", "gqa", 126, 128, 128, 8, 0, 0, "meta-llama/Llama-3.1-405B config.json"),
    ("Llama 3.1 405B as MQA", "mqa", 126, 128, 128, 1, 0, 0, "hypothetical: 405B with MQA"),
)


def kv_elements_per_token(
    attention: str, layers: int, d_head: int, kv_heads: int, d_c: int, d_R: int
) -> int:
    """Cached elements per token over all layers, DeepSeek-V2 (arXiv:2405.04434), Table 1."""
    if attention == "mla":
        return (d_c + d_R) * layers  # latent plus the shared RoPE key
    return 2 * kv_heads * d_head * layers  # K and V for each KV head (MHA, GQA, MQA)


def cache_table() -> list[dict[str, Any]]:
    """Part A: elements, bf16 bytes, GB per 32k tokens and read time at 4.8 TB/s per config."""
    rows = []
    for name, attention, layers, _, d_h, g, d_c, d_R, source in CONFIGS:
        elements = kv_elements_per_token(attention, layers, d_h, g, d_c, d_R)
        rows.append({
            "name": name, "attention": attention, "layers": layers, "elements": elements,
            "bytes": 2 * elements, "GB_per_32k": 2 * elements * CONTEXT_32K / 1e9,
            "ms_per_step_4p8TBps": 2 * elements * CONTEXT_32K / NOMINAL_H200_Bps * 1e3,
            "equivalent_gqa_groups": elements / (2 * d_h * layers), "source": source,
        })  # fmt: skip
    return rows
