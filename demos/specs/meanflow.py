"""Spec of demo D3: one-step MeanFlow against flow matching on 2-D toy data.

Papers: MeanFlow, Geng et al. (arXiv:2505.13447); flow matching, Lipman et al. (2210.02747).
design/demos.md §5 D3 and its 2026-12 review.
"""

from typing import Any

from demos.base import Claim, Demo, DemoParamsInvalid, Param, Size, register, table

COMMON = {"nfe": (1, 2, 8), "lr": 1e-3}
# smoke: batch 128 (the prototype's 4.1-4.3 s on one thread halved, design review 2026-12), one
# seed inside the run; the tests run seeds 0-4 as separate runs.
SMOKE_DIMS = {**COMMON, "datasets": ("8gaussians",), "width": 128, "depth": 4, "steps": 300}
SMOKE_DIMS |= {"batch": 128, "N": 1000, "seeds": 1, "cpu_threads": 1}
SMOKE_DIMS["claims"] = {"vs_fm": 0.5}
FULL_DIMS = {**COMMON, "datasets": ("8gaussians", "checkerboard"), "width": 512, "depth": 5}
# full: one seed per run; a JVP step at width 512 and batch 4,096 is about 50 GFLOP, so two data
# sets x 5k steps already take an estimated 20-40 s of the 60 s (not measured: no GPU here)
FULL_DIMS |= {"steps": 5000, "batch": 4096, "N": 4096, "seeds": 1}
FULL_DIMS["claims"] = {"vs_fm": 0.2, "vs_floor": 10.0}
STEPS_SCALE_LIMIT = {"smoke": 1.5, "full": 1.4}  # the size's budget, in multiples of its steps

ANCHOR_FID = table(
    "MeanFlow-XL/2, ImageNet 256, from scratch",
    ["NFE", "FID-50K", "source"],
    [
        ["1", "3.43", "arXiv:2505.13447, abstract, Table 2"],
        ["2", "2.20", "arXiv:2505.13447, Table 2"],
    ],
    "No pre-training, no distillation. Values as quoted in design/demos.md (D3 anchor); 3.43 is "
    "in the paper's abstract. Not re-checked against the PDF's table here (no network).",
)


@register
class MeanFlow(Demo):
    """Demo D3: train FM and MeanFlow per data set, sample at 1, 2 and 8 steps, measure."""

    key = "diffusion.meanflow"
    title = "MeanFlow: one-step generation against flow matching"
    arxiv_ids = ("2505.13447", "2210.02747")
    version = 1
    impl = "demos.diffusion.meanflow"
    description = (
        "With $z_t = (1 - t) x + t \\epsilon$ ($t = 1$ is noise) and $v = \\epsilon - x$, "
        "MeanFlow learns the average velocity "
        "$u(z_t, r, t) = \\frac{1}{t - r}\\int_r^t v(z_\\tau, \\tau)\\,d\\tau$ through the identity "
        "$u = v - (t - r)\\frac{d}{dt}u$, where $\\frac{d}{dt}u = v\\cdot\\partial_z u + "
        "\\partial_t u$ is one Jacobian-vector product (`torch.func.jvp`) along $(v, 0, 1)$; "
        "the target is stop-gradient and the loss adaptively weighted. One step is "
        "$x = \\epsilon - u(\\epsilon, 0, 1)$. Flow matching is the same network trained with "
        "$r = t$ only, sampled by Euler. On 2-D toy data, one-step MeanFlow lands close to the "
        "data while one-step flow matching lands at the data's mean blur; the energy distance to "
        "fresh data is compared with the floor between two fresh sample sets."
    )
    params = (
        Param("seed", "int", 0, "Random seed for data, initialisation and batches.", 0, 2**31 - 1),
        Param("train_steps_scale", "float", 1.0,
              "Multiplies the size's training steps (smoke 300, full 5,000).", 0.25, 4.0),
        Param("dataset", "choice", "8gaussians", "Toy data set (the full size runs both).",
              choices=("8gaussians", "checkerboard"), sizes=("smoke",)),
    )  # fmt: skip
    sizes = {
        "smoke": Size("smoke", "cpu", 5.0, SMOKE_DIMS),
        "full": Size("full", "cuda", 60.0, FULL_DIMS),
    }
    claims = (
        Claim("one_step_vs_fm_8gaussians", "One-step energy distance: MeanFlow < 0.5 x flow "
              "matching at smoke, < 0.2 x at full (both data sets); 1 seed per run at both sizes, the "
              "tests run seeds 0-4"),
        Claim("one_step_near_floor_8gaussians", "One-step MeanFlow within 10 x the finite-sample "
              "floor, on both data sets", sizes=("full",)),
    )  # fmt: skip
    anchors = {"meanflow_fid": ANCHOR_FID}
    caveats = (
        "2-D toy data (8 Gaussians, checkerboard), not ImageNet; energy distance, not FID.",
        "A small MLP conditioned on (t, t - r) by concatenation, not a DiT with embeddings.",
        "The flow-matching baseline shares the network and time sampling; it uses r = t only and "
        "no adaptive weight, and is sampled by Euler with the same step grid.",
        "Smoke trains 300 steps at batch 128 on one seed per run to fit 5 s on one CPU thread; "
        "the full size's numbers are not measured yet (not run on a GPU).",
    )

    @classmethod
    def validate(cls, params: dict[str, Any], size: str) -> None:
        """Refuse a step count whose cost exceeds the size's time budget."""
        limit = STEPS_SCALE_LIMIT[size]
        if params["train_steps_scale"] > limit:
            budget = cls.sizes[size].budget_s
            raise DemoParamsInvalid({"train_steps_scale": (
                f"{params['train_steps_scale']:g} x {cls.sizes[size].dims['steps']:,} steps would "
                f"exceed the {budget:g} s {size} budget (limit {limit:g})")})  # fmt: skip
