"""Spec of demo D8: HiPPO online Legendre projection (LegS, LegT) and S4's convolution view.

Papers: HiPPO (arXiv:2008.07669, primary), S4 (2111.00396). design/demos.md D8 (with its
2026-12 review: torch only, LegT's window framed as a parameter in time units).
"""

from typing import Any

from demos.base import Claim, Demo, DemoParamsInvalid, Param, Size, register, table

MAX_N = {"smoke": 128, "full": 256}  # LegS/LegT state sizes the budget allows per size

SMOKE = {
    "L": 2000, "rate_L": (1000, 4000), "rate_N": 64, "variance": 0.22, "seeds": 5,
    "s4": {"H": 8, "N": 32, "L": 2000}, "s4_reps": {"warmup": 1, "reps": 2},
    "ref_points": 20_000, "plot_points": 500, "cpu_threads": 1,
}  # fmt: skip
FULL = {
    "L": 16_384, "rate_L": (4096, 16_384), "rate_N": 64, "variance": 0.22, "seeds": 5,
    "s4": {"H": 256, "N": 64, "L": 16_384}, "s4_reps": {"warmup": 2, "reps": 5},
    "ref_points": 100_000, "plot_points": 1000,
}  # fmt: skip

ANCHORS = table(
    "Numbers the HiPPO and S4 papers report (anchors, never asserted)",
    ["result", "value", "source"],
    [
        ["HiPPO-LegS, permuted MNIST accuracy", "98.3%", "arXiv:2008.07669, abstract"],
        ["HiPPO-LegS: robustness to timescale shifts", "+25-40% accuracy over other RNNs",
         "arXiv:2008.07669, abstract"],
        ["S4, Path-X (length 16,384)", "solved (first model to do so)",
         "arXiv:2111.00396, abstract"],
    ],
    "LegS's scale invariance is proved in the paper; the accuracies need training.",
)  # fmt: skip


@register
class HiPPO(Demo):
    """Demo D8: LegS/LegT reconstruction against N, the sampling-rate test, S4 conv = scan."""

    key = "ssm.hippo"
    title = "HiPPO online Legendre projection (LegS, LegT) and S4's convolution = recurrence"
    arxiv_ids = ("2008.07669", "2111.00396")
    version = 1
    impl = "demos.ssm.hippo"
    description = (
        "HiPPO keeps an $N$-dimensional summary $c(t)$ of a signal's whole history by updating "
        "it online: $c$ holds the coefficients of the history's projection onto Legendre "
        "polynomials, and it evolves by a linear ODE $\\dot c = A c + B f$. **LegS** projects "
        "onto the uniform measure on $[0, t]$, so $A$ and $B$ are divided by $t$ and the update "
        "has no timescale at all; **LegT** projects onto a sliding window of length $\\theta$. "
        "Here a random band-limited signal is compressed online and reconstructed from the "
        "final $c$: the error falls with $N$ until the discretisation floor. Sampled at two "
        "rates, LegS gives the same coefficients; LegT does too, but only if its window is "
        "given in time units, which is the parameter LegS does without. S4 builds on the same "
        "matrix: its discrete SSM is both a recurrence and a convolution with kernel "
        "$K = (C\\bar B, C\\bar A\\bar B, \\dots)$, and the two give the same output."
    )
    params = (
        Param("seed", "int", 0, "Random seed of the first signal (the run uses seed, seed+1, ...).",
              0, 2**31 - 1),
        Param("max_N", "int", 128, "Largest number of Legendre coefficients (N = 8, 16, ... up "
              "to this).", 16, 512),
        Param("harmonics", "int", 19, "Harmonics in the random band-limited signal.", 1, 40),
        Param("window", "float", 0.25, "LegT window theta as a fraction of the signal's length.",
              0.05, 0.5),
    )  # fmt: skip
    sizes = {
        "smoke": Size("smoke", "cpu", 5.0, SMOKE),
        "full": Size("full", "cuda", 60.0, FULL),
    }
    claims = (
        Claim("legs_error_falls_with_N", "LegS reconstruction MSE falls with every doubling of N "
              "until a floor (a pair passes if MSE drops or both are below 1e-4 Var f), on every "
              "seed (5 per run)"),
        Claim("legs_mse_64", "LegS MSE at N = 64 < 1e-3 Var f, on every seed"),
        Claim("legt_mse_64", "LegT MSE over its window at N = 64 < 1e-3, on every seed"),
        Claim("legs_rate_invariant", "LegS coefficients of the same continuous signal sampled at "
              "two rates (4x apart) differ by < 0.1 (relative), on every seed"),
        Claim("legs_online_equals_projection", "LegS online recurrence = offline Legendre "
              "projection by quadrature, relative difference < 0.05 (discretisation), every seed"),
        Claim("s4_conv_equals_recurrence", "S4 FFT convolution = recurrence in fp32, max relative "
              "error < 1e-4"),
    )  # fmt: skip
    anchors = {"papers": ANCHORS}
    caveats = (
        "No training: the signal is a random sum of sinusoids and the projections are exact "
        "linear maps, so the papers' accuracies (permuted MNIST, Path-X) are not reproduced.",
        "LegT's change between sampling rates holds by construction when its window is fixed in "
        "samples; given in time units it is as stable as LegS. The lesson is that LegT needs theta "
        "in time units and LegS needs no timescale, not that LegT fails.",
        "The S4 part uses the dense LegS matrix with one step size per channel and builds the "
        "kernel by repeated squaring; S4's diagonal-plus-low-rank Cauchy/Woodbury kernel "
        "algorithm is not reproduced.",
        "The error floor comes from the bilinear discretisation at one step per sample.",
    )

    @classmethod
    def validate(cls, params: dict[str, Any], size: str) -> None:
        """Refuse max_N above what the size's time budget allows (the LegS/LegT loops)."""
        if params["max_N"] > MAX_N[size]:
            budget = cls.sizes[size].budget_s
            raise DemoParamsInvalid({"max_N": f"must be at most {MAX_N[size]} at size {size} "
                                               f"(its {budget:g} s budget)"})  # fmt: skip
