"""Spec of demo D6: Muon's Newton-Schulz orthogonalisation, quintic NS5 vs cubic vs the SVD.

Paper: Moonlight, "Muon is Scalable for LLM Training" (arXiv:2502.16982); the iteration and its
coefficients are Keller Jordan's Muon code. design/demos.md D6 (with its 2026-12 review).
"""

from typing import Any

from demos.base import Claim, Demo, DemoParamsInvalid, Param, Size, register, table

# aspect = columns / rows of the "wide" Gaussian matrix; 2.6875 = 11008 / 4096 (a LLaMA MLP)
ASPECTS = {"1": 1.0, "4/3": 4 / 3, "2": 2.0, "2.6875": 2.6875, "4": 4.0, "8": 8.0}
# The cost of a run grows with steps x aspect (the wide matrix's columns); these caps keep a run
# inside its size's budget (measured at smoke on one thread, see README "Demo smoke times").
COST_LIMIT = {"smoke": 20.0, "full": 40.0}

SMOKE = {
    "rows": 384, "square": 256, "lowrank": (256, 1024, 16), "lowrank_noise": 0.01,
    "ref_dtype": "float64", "seeds": 5, "time_shape": (256, 1024),
    "ns_reps": {"warmup": 1, "reps": 2}, "svd_reps": {"warmup": 1, "reps": 2},
    "exact_shape": (64, 192), "hist_bins": 40, "cpu_threads": 1,
}  # fmt: skip
FULL = {
    "rows": 4096, "square": 4096, "lowrank": (4096, 4096, 32), "lowrank_noise": 0.01,
    "ref_dtype": "float32", "seeds": 3, "time_shape": (4096, 4096),
    "ns_reps": {"warmup": 5, "reps": 20}, "svd_reps": {"warmup": 2, "reps": 5},
    "exact_shape": (1024, 3072), "hist_bins": 60, "speedup_min": 20.0,
}  # fmt: skip

ANCHORS = table(
    "What the Muon code and the Moonlight paper state",
    ["quantity", "value", "source"],
    [
        ["NS5 coefficients (a, b, c)", "(3.4445, -4.7750, 2.0315)",
         "KellerJordan/Muon, muon.py, zeropower_via_newtonschulz5"],
        ["singular values after NS5", "roughly Uniform(0.5, 1.5), \"which turns out not to hurt "
         "model performance at all relative to UV^T\"", "KellerJordan/Muon, muon.py docstring"],
        ["Muon vs AdamW compute efficiency", "~2x", "arXiv:2502.16982, abstract"],
        ["update scale", "0.2 * sqrt(max(A, B)), to match AdamW's update RMS",
         "arXiv:2502.16982, Sec. 2"],
    ],
    "Anchors, never asserted: the paper's efficiency claim needs LLM training runs.",
)  # fmt: skip


@register
class NewtonSchulz(Demo):
    """Demo D6: NS5 and the cubic iteration against the SVD, bf16 and fp32, timed at full."""

    key = "optim.newton_schulz"
    title = "Muon's Newton-Schulz orthogonalisation: quintic NS5 vs the cubic iteration vs the SVD"
    arxiv_ids = ("2502.16982",)
    version = 2  # 2: bf16 products on the CPU through an fp32 GEMM (same results, 20x faster)
    impl = "demos.optim.newton_schulz"
    description = (
        "Muon replaces a weight matrix's update $G = U S V^\\top$ by (approximately) its "
        "orthogonalisation $U V^\\top$. Instead of an SVD it runs five Newton-Schulz steps on "
        "$X_0 = G / \\|G\\|_F$: $A = X X^\\top$, $X \\leftarrow aX + (bA + cA^2)X$, each of which "
        "maps every singular value by $\\varphi(s) = as + bs^3 + cs^5$. Muon's coefficients "
        "$(a, b, c) = (3.4445, -4.7750, 2.0315)$ make $\\varphi$ as steep as possible at 0, so "
        "small singular values rise quickly, at the price of not converging to exactly 1: they "
        "end up spread around 1. The classic cubic $(1.5, -0.5)$ converges to 1 but needs many "
        "more steps. Here both run on Gaussian matrices in bf16 and fp32 and are compared with "
        "the exact $U V^\\top$ from the SVD."
    )
    params = (
        Param("seed", "int", 0, "Random seed for the matrices (the run uses seed, seed+1, ...).",
              0, 2**31 - 1),
        Param("steps", "int", 5, "Newton-Schulz steps (the grid also runs twice as many).", 1, 20),
        Param("aspect", "choice", "4", "Columns / rows of the wide Gaussian matrix "
              "(2.6875 = 11008 / 4096, a LLaMA MLP matrix).", choices=tuple(ASPECTS)),
    )  # fmt: skip
    sizes = {
        "smoke": Size("smoke", "cpu", 5.0, SMOKE),
        "full": Size("full", "cuda", 60.0, FULL),
    }
    claims = (
        Claim("ns5_in_band", "Quintic NS5 (bf16) on a Gaussian matrix of aspect >= 4/3: every "
              "singular value in [0.5, 1.5], on every seed of the run (5 at smoke, 3 at full)"),
        Claim("square_mostly_in_band", "Square Gaussian matrix, quintic NS5 (bf16): >= 95 % of "
              "singular values in [0.5, 1.5] (sigma_min is near 0: the quarter-circle law), on "
              "every seed"),
        Claim("cubic_not_converged", "Cubic NS5 (fp32): largest singular value < 0.6, on every "
              "seed"),
        Claim("bf16_matches_fp32", "Quintic NS5: sigma_min and sigma_max in bf16 within 0.02 of "
              "fp32, on every seed"),
        Claim("ns_is_scalar_map", "Float64 NS5 = U phi^5(S / ||G||_F) V^T from the SVD, "
              "relative error < 1e-10"),
        Claim("ns5_faster_than_svd", "NS5 (bf16) on 4096 x 4096 at least 20x faster than "
              "torch.linalg.svd (fp32); margin from design/demos.md, not yet measured",
              ("full",)),
    )  # fmt: skip
    anchors = {"muon": ANCHORS}
    caveats = (
        "Orthogonalisation quality only: Muon's training benefit (Moonlight's ~2x compute "
        "efficiency) is not reproduced at this scale.",
        "The inputs are Gaussian and low-rank-plus-noise matrices, not real gradients or momenta; "
        "a real gradient's spectrum decays faster, so more of it sits near 0.",
        "The smoke size uses 384 x 1536 and 256 x 256 matrices (the paper's models use 4096 x 11008 and larger); "
        "its timings are one CPU thread and say nothing about a GPU.",
        "The [0.5, 1.5] band holds for wide matrices only: for a square Gaussian matrix the "
        "smallest singular values start near 0 and five steps cannot lift them.",
        "On a CPU each bf16 matrix product is an fp32 product of the bf16 operands rounded once "
        "to bf16 (what a bf16 GEMM computes, up to summation order: 0.01 % of entries differ by "
        "one bf16 step); CPUs without bf16 matrix instructions run bf16 matmul ~50x slower.",
    )

    @classmethod
    def validate(cls, params: dict[str, Any], size: str) -> None:
        """Refuse steps x aspect above the size's cost limit (the run would exceed its budget)."""
        cost = params["steps"] * ASPECTS[params["aspect"]]
        limit = COST_LIMIT[size]
        if cost > limit:
            budget = cls.sizes[size].budget_s
            msg = (f"steps x aspect must be at most {limit:g} at size {size} (its {budget:g} s "
                   f"budget); got {cost:g}")  # fmt: skip
            raise DemoParamsInvalid({"steps": msg, "aspect": msg})
