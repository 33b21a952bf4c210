"""Spec of demo D12: muP's stability conditions as a coordinate check, and learning-rate transfer.

Papers: Tensor Programs V (arXiv:2203.03466, primary); the spectral condition for feature
learning (arXiv:2310.17813). design/demos.md D12; measured numbers in docs/demos.md.
"""

from typing import Any

from demos.base import Claim, Demo, DemoParamsInvalid, Param, Size, register, table

SMOKE_BATCH_MAX = 256  # CPU inside run, 1 thread, measured: batch 64 2.8 s, 256 3.5 s, 1,024 6.7 s
FULL_WORK_MAX = 512 * 600  # batch x transfer steps at full: an estimate, not measured on a GPU

SMOKE_DIMS = {"widths": (32, 64, 128, 256), "record_steps": (1, 3), "base_width": 32}
SMOKE_DIMS |= {
    "eval_batch": 256,
    "seeds": 5,
    "replicas": 4,
    "cpu_threads": 1,
    "transfer_widths": (),
}
FULL_DIMS = {"widths": (64, 128, 256, 512, 1024, 2048, 4096), "record_steps": (1, 3, 5)}
FULL_DIMS |= {
    "base_width": 32,
    "eval_batch": 1024,
    "seeds": 5,
    "replicas": 2,
    "transfer_widths": (128, 512, 2048),
}
FULL_DIMS["ns_dtype"] = "bfloat16"  # Newton-Schulz as Muon runs it; float32 at smoke (CPU)
FULL_DIMS["transfer_lrs"] = tuple(2.0**k for k in range(-13, -5))  # 1.2e-4 .. 1.6e-2 (Adam)
FULL_DIMS["transfer_lrs_spectral"] = tuple(2.0**k for k in range(-8, 0))  # 3.9e-3 .. 0.5

ANCHOR_RULES = table(
    "Tensor Programs V, Table 3: muP with Adam (SP in brackets)",
    ["layer", "init variance", "Adam LR", "spectral rule"],
    [
        ["input weights", "1/fan_in (1/fan_in)", "1 (1)", "sqrt(fan_out/fan_in)"],
        ["hidden weights", "1/fan_in (1/fan_in)", "1/fan_in (1)", "1"],
        ["output weights", "1/fan_in^2 (1/fan_in)", "1/fan_in (1)", "sqrt(fan_out/fan_in)"],
    ],
    "Source: arXiv:2203.03466, Table 3 (width scalings only; constant factors are tunable). "
    "Spectral rule: the order of the spectral norm of W and of its update, arXiv:2310.17813.",
)
ANCHOR_TRANSFER = table(
    "Tensor Programs V, abstract: muTransfer",
    ["tuned on", "transferred to", "tuning cost"],
    [
        ["13M parameters", "BERT-large (350M)", "= pretraining BERT-large once"],
        ["40M parameters", "GPT-3 6.7B", "7% of total pretraining cost"],
    ],
    "Source: arXiv:2203.03466, abstract; both outperform the published numbers of the target "
    "model. Figure 1 shows the optimal learning rate drifting with width under SP and staying "
    "put under muP (Transformers, Adam): a plot, no printed numbers.",
)


@register
class MupCoord(Demo):
    """Demo D12: coordinate check under SP, muP, spectral; LR transfer at full size."""

    key = "optim.mup_coord"
    title = "muP coordinate check: update size against width under SP, muP and the spectral rule"
    arxiv_ids = ("2203.03466", "2310.17813")
    version = 1
    impl = "demos.optim.mup_coord"
    description = (
        "An MLP $32 \\to n \\to n \\to n \\to 10$ learns a fixed random teacher under three "
        "width-scaling rules: standard parameterisation (SP) with one Adam learning rate; muP "
        "with Adam, whose hidden and output learning rates scale as $1/n$ and whose readout "
        "starts with variance $1/n^2$; and the spectral rule, whose steps are orthogonalised "
        "(Newton-Schulz, as in Muon) and scaled to spectral norm $\\eta\\sqrt{d_{out}/d_{in}}$. "
        "The *coordinate check* measures, for widths $n$ from 32 up, the RMS of each hidden "
        "activation and of its change $h(x; w_t) - h(x; w_0)$ after each of the first steps. Under "
        "SP, Adam moves every weight by about $\\eta$, and $n$ such moves add up coherently in "
        "$\\Delta W\\,h$, so one step's change grows like $n$ (log-log slope near 1); under muP "
        "and the spectral rule it stays of order one (slope near 0): features keep learning, "
        "neither exploding nor freezing, as width grows. The checks read the first step; by "
        "step 3 the widest SP networks have overshot, many ReLU units die, and the change "
        "saturates at the size of the activations themselves, SP's instability in another "
        "form. At full size the same "
        "models are trained at 8 learning rates per width: the best rate drifts under SP and "
        "stays put under muP."
    )
    params = (
        Param("seed", "int", 0, "First of the 5 seeds (init, teacher, batches).", 0, 2**31 - 1),
        Param("lr", "float", 0.01, "Adam learning rate of SP and base rate of muP.", 1e-5, 1.0),
        Param("lr_spectral", "float", 0.1, "Spectral-norm step size of the Muon-scaled rule.",
              1e-4, 10.0),
        Param("batch", "int", 64, "Training batch size.", 8, 4096),
        Param("transfer_steps", "int", 300, "Training steps per learning rate (transfer).",
              50, 1000, sizes=("full",)),
    )  # fmt: skip
    sizes = {
        "smoke": Size("smoke", "cpu", 5.0, SMOKE_DIMS),
        "full": Size("full", "cuda", 60.0, FULL_DIMS),
    }
    claims = (
        Claim("slope_sp", "SP + Adam: slope of log RMS(change of the last hidden layer after one "
              "step) against log width >= 0.5, on each of 5 seeds"),
        Claim("slope_mup", "muP + Adam: |slope| <= 0.35 on each of 5 seeds (measured -0.27 to "
              "-0.15 at widths 32-256: a finite-width decline, not growth)"),
        Claim("slope_spectral", "spectral (Muon-scaled): |slope| <= 0.2 on each of 5 seeds"),
        Claim("transfer_mup", "muP: the best learning rate moves by at most 2x across widths "
              "128-2048", ("full",)),
        Claim("transfer_sp", "SP: the best learning rate moves by at least 4x across widths "
              "128-2048", ("full",)),
    )  # fmt: skip
    anchors = {"rules": ANCHOR_RULES, "transfer": ANCHOR_TRANSFER}
    caveats = (
        "A 3-hidden-layer ReLU MLP without biases on a random tanh teacher, not a Transformer; "
        "only the learning rate is transferred (the paper also transfers init scales, "
        "schedules and more).",
        "The paper's slopes are not printed numbers: SP's slope 1 and muP's slope 0 are what "
        "Table 3's scalings imply for Adam, which the coordinate check tests.",
        "muP is written relative to a base width of 32, where it coincides with SP; at widths "
        "32-256 its change still falls a little with width (finite-width corrections), hence "
        "the looser 0.35 bound for muP.",
        "The spectral rule uses Muon's 5-step quintic Newton-Schulz, which brings singular "
        "values near 1, not exactly to 1, in float32 at smoke and bfloat16 at full size (as "
        "Muon runs it on GPUs); momentum 0.9, no Nesterov, no weight decay.",
        "Learning-rate transfer (full size) uses one seed, 8 rates a factor 2 apart: a shift "
        "is resolved only to a factor 2, and a best rate at the grid's edge bounds the shift.",
    )

    @classmethod
    def validate(cls, params: dict[str, Any], size: str) -> None:
        """Refuse a batch (smoke) or batch x steps (full) beyond the size's time budget."""
        if size == "smoke" and params["batch"] > SMOKE_BATCH_MAX:
            raise DemoParamsInvalid(
                {"batch": f"at most {SMOKE_BATCH_MAX:,} at smoke size (its 5 s budget)"}
            )
        if size == "full" and params["batch"] * params["transfer_steps"] > FULL_WORK_MAX:
            msg = f"batch x transfer_steps must be at most {FULL_WORK_MAX:,} (the 60 s budget)"
            raise DemoParamsInvalid({"batch": msg, "transfer_steps": msg})
