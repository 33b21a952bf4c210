"""Spec of demo D4: a short convolution lets one-layer DeltaNet and linear attention solve MQAR.

Papers: DeltaNet, Yang et al. (arXiv:2406.06484, primary); Zoology / MQAR, Arora et al.
(arXiv:2312.04927). design/demos.md D4.
"""

from typing import Any

from demos.base import Claim, Demo, DemoParamsInvalid, Param, Size, register, table

TRAIN = {"batch": 32, "eval_batch": 512}
# smoke: parallel DeltaNet only, N = 8 pairs, d = 32, 120 steps, conv off and on. One seed fits
# the 5 s budget (two trainings take about 3 s of CPU on one shared thread); tests run seeds 0-4
SMOKE = {"mixers": ("deltanet",), "pairs": (8,), "d": 32, "n_keys": 32, "n_values": 32,
         **TRAIN, "capacity": None, "seeds": 1, "cpu_threads": 1}  # fmt: skip
# full: 3 mixers x conv off/on x N in {16, 64} (256 keys, so N = 64 pairs are distinct), plus
# a capacity sweep with a narrow d_k = 32 (conv on)
FULL = {"mixers": ("deltanet", "linear", "softmax"), "pairs": (16, 64), "d": 128, "n_keys": 256,
        "n_values": 256, "batch": 256, "eval_batch": 2048, "steps": 600, "seeds": 1,
        "capacity": {"pairs": (16, 64, 128), "d": 32, "steps": 400}}  # fmt: skip
MAX_STEP_PAIRS = 1100  # smoke: steps x pairs that fit the 5 s budget (120 x 8 measured 3.1-4.1 s)

ANCHOR = table(
    "The papers' numbers on associative recall and the short convolution",
    ["claim", "value", "source"],
    [
        ["AR: attention vs gated conv", "70M beats 1.4B", "arXiv:2312.04927, abstract"],
        ["quality gap explained by AR", "82%", "arXiv:2312.04927, abstract"],
        ["short conv kernel in DeltaNet", "4", "fla DeltaNet layer"],
        ["DeltaNet layer extras", "conv, L2 q/k, SiLU, norm", "arXiv:2406.06484"],
    ],
    "MQAR in the papers uses multi-layer models and much longer sequences; see the caveats.",
)  # fmt: skip


@register
class ShortConvMQAR(Demo):
    """Demo D4: one-layer mixers on MQAR with and without a short convolution."""

    key = "attention.short_conv_mqar"
    title = (
        "A short convolution lets one-layer linear attention and DeltaNet solve associative recall"
    )
    arxiv_ids = ("2406.06484", "2312.04927")
    version = 2
    impl = "demos.attention.short_conv_mqar"
    description = (
        "Multi-query associative recall: a sequence lists $N$ key-value pairs "
        "$k_1 v_1 \\dots k_N v_N$, then asks for the keys again in a random order. One layer of "
        "DeltaNet, $S_t = S_{t-1}(I - \\beta_t k_t k_t^\\top) + \\beta_t v_t k_t^\\top$, can only "
        "store a value under a key if the key vector written at the value's position carries the "
        "previous token. Without a convolution $k_t$ and $v_t$ come from the same token and the "
        "model can only guess a value seen in context; a causal depthwise convolution of width 4 "
        "on $q$, $k$ and $v$ learns the one-token shift that binds them. The parallel DeltaNet "
        "$U = (I + \\mathrm{diag}(\\beta)\\,\\mathrm{tril}(KK^\\top, -1))^{-1}\\mathrm{diag}(\\beta)V$, "
        "$O = \\mathrm{tril}(QK^\\top)\\,U$ is checked against the recurrence."
    )
    params = (
        Param("seed", "int", 0, "Random seed for initialisation, training and evaluation data.",
              0, 2**31 - 1),
        Param("pairs", "int", 8, "Key-value pairs N per sequence (at most the 32 keys).", 2, 32,
              sizes=("smoke",)),
        Param("steps", "int", 120, "Training steps per model.", 20, 600, sizes=("smoke",)),
        Param("lr", "float", 1e-2, "AdamW learning rate.", 1e-4, 5e-2),
    )  # fmt: skip
    sizes = {
        "smoke": Size("smoke", "cpu", 5.0, SMOKE),
        "full": Size("full", "cuda", 60.0, FULL),
    }
    claims = (
        Claim("no_conv_guesses", "Without the convolution, recall accuracy <= 1.5/N + 0.1 (every "
              "mixer and N; 1 seed in the run at smoke)"),
        Claim("conv_solves", "With the convolution, accuracy >= 0.8 at smoke (2 seeds in the "
              "run), >= 0.9 at full"),
        Claim("parallel_equals_recurrent", "Parallel DeltaNet = its recurrence on the trained "
              "model's q, k, v, beta: max abs difference < 1e-5 (fp32)"),
    )  # fmt: skip
    anchors = {"papers": ANCHOR}
    caveats = (
        "One layer, one head, no MLP and sequences of 3N tokens; the papers train multi-layer "
        "models on sequences of hundreds to thousands of tokens.",
        "Smoke trains parallel DeltaNet only, 120 steps on one CPU thread, 1 seed inside the run "
        "(only one fits the 5 s budget; the tests run seeds 0-4); full adds linear and softmax attention and a capacity sweep.",
        "Softmax attention here has no positional encoding, so without the convolution it cannot "
        "tell a key from the value after it either.",
        "The learning rate (1e-2) is twice the design's 5e-3: at 5e-3 two of three smoke seeds "
        "ended at 0.80 with the convolution, on the threshold; at 1e-2 eight seeds ended at "
        "0.96-1.00.",
    )

    @classmethod
    def validate(cls, params: dict[str, Any], size: str) -> None:
        """Refuse steps x pairs beyond the smoke budget (time grows with both)."""
        if size == "smoke" and params["steps"] * params["pairs"] > MAX_STEP_PAIRS:
            msg = (
                f"steps x pairs must be at most {MAX_STEP_PAIRS:,} to fit the 5 s smoke "
                "budget (e.g. 120 steps x 9 pairs)"
            )
            raise DemoParamsInvalid({"steps": msg, "pairs": msg})
