"""Demo D11: masked diffusion language models: the reversal curse, and block diffusion between AR
and MDM.

Papers: LLaDA (arXiv:2502.09992, primary), BD3-LM (2503.09573), SEDD (2310.16834). Part (a), every
size: an AR transformer and a masked diffusion model (MDM) of the same shape learn facts
[a1 a2 b1 b2] of a random bijection between 2-token entities; the AR model answers a -> b and fails
b -> a (the reversal curse), the MDM answers both. Part (b), full size only: AR, BD3-LM
(L' = 4, 16) and MDM on an order-1 Markov chain, NLL bounds against the chain's exact entropy.
Sizes and numbers: design/demos.md D11 and docs/demos.md.
"""

from typing import Any

import torch

from demos.base import Demo, Progress, Size
from demos.common.env import env_record
from demos.common.timing import PhaseTimer
from demos.dlm.md_result import assemble
from demos.dlm.model import Transformer
from demos.dlm.objectives import (
    ar_nll,
    chain_entropy_per_token,
    diffusion_loss,
    markov_chain,
    nll_bound,
    sample_chain,
    stationary,
)
from demos.dlm.reversal import accuracies_ar, accuracies_mdm, ar_loss, bijection, mdm_loss, train

LOG_EVERY = 10  # training steps between loss records and progress calls


def _model(seed: int, vocab_in: int, vocab_out: int, cfg: dict, max_len: int, dev: str):
    """A transformer initialised from `seed` without touching the caller's global RNG state."""
    with torch.random.fork_rng(devices=[] if dev == "cpu" else [torch.cuda.current_device()]):
        torch.manual_seed(seed)
        model = Transformer(vocab_in, vocab_out, cfg["d"], cfg["layers"], cfg["heads"], max_len)
    return model.to(dev)


def reversal_part(params: dict, cfg: dict, dev: str, progress: Progress, stage: str) -> dict:
    """Train AR and MDM on the same facts (same init seed, same steps); forward/reversal accuracy."""
    seed, vocab, steps = params["seed"], cfg["vocab"], cfg["steps"]
    mask_id, bos = vocab, vocab + 1
    a, b = bijection(cfg["facts"], vocab, torch.Generator().manual_seed(seed))
    a, b = a.to(dev), b.to(dev)
    x0 = torch.cat([a, b], 1)  # (N, 4): the only order either model is trained on
    out: dict[str, Any] = {"curves": {}}
    for kind in ("ar", "mdm"):
        model = _model(seed + 1, vocab + 2, vocab, cfg, 4, dev)
        g = torch.Generator(device=dev).manual_seed(seed + 2)
        curve: dict[str, list] = {"x": [], "y": []}
        if kind == "ar":
            loss_fn, batch = (lambda x, m=model: ar_loss(m, x, bos)), cfg["ar_batch"]
        else:
            loss_fn, batch = (lambda x, m=model, g=g: mdm_loss(m, x, mask_id, g)), cfg["mdm_batch"]

        every = max(LOG_EVERY, steps // 20)  # about 20 progress calls per model

        def log(step: int, kind=kind, every=every) -> None:
            if (step + 1) % every == 0:
                progress(step + 1, steps, f"{stage}: training the {kind.upper()} model")

        curve_fn = _recording(loss_fn, curve)
        train(model, curve_fn, x0, steps, cfg["lr"], batch, g, log)
        model.eval()
        if kind == "ar":
            out["ar"] = accuracies_ar(model, a, b, bos)
        else:
            out["mdm"] = accuracies_mdm(model, a, b, mask_id, params["decode"])
        out["curves"][kind] = curve
    return out


def _recording(loss_fn, curve: dict):
    """Wrap a loss so every LOG_EVERY-th value lands in `curve` (step, loss per token)."""
    calls = [0]

    def wrapped(x: torch.Tensor) -> torch.Tensor:
        loss = loss_fn(x)
        calls[0] += 1
        if calls[0] % LOG_EVERY == 0 or calls[0] == 1:
            curve["x"].append(calls[0])
            curve["y"].append(loss.item())
        return loss

    return wrapped


def likelihood_part(params: dict, cfg: dict, dev: str, progress: Progress) -> dict:
    """Part (b): AR, BD3-LM blocks and MDM on a Markov chain; bounds against the exact entropy."""
    seed, states, length = params["seed"], cfg["states"], cfg["length"]
    mask_id, bos = states, states + 1
    g_chain = torch.Generator().manual_seed(seed + 10)
    p = markov_chain(states, cfg["alpha"], g_chain)
    pi = stationary(p)
    h_true = chain_entropy_per_token(p, pi, length)
    train_x = sample_chain(p, pi, cfg["train_sequences"], length, g_chain).to(dev)
    eval_x = sample_chain(p, pi, cfg["eval_sequences"], length, g_chain).to(dev)
    rows = {}
    kinds = ["ar", *[f"bd3_{k}" for k in cfg["blocks"]], "mdm"]
    for i, kind in enumerate(kinds):
        progress(i, len(kinds), f"part (b): training {kind}")
        model = _model(seed + 3, states + 2, states, cfg, length, dev)
        g = torch.Generator(device=dev).manual_seed(seed + 4)
        block = None if kind == "mdm" else (int(kind[4:]) if kind != "ar" else 1)
        if kind == "ar":
            loss_fn = lambda x, m=model: ar_nll(m, x, bos).mean() / length  # noqa: E731
        else:
            loss_fn = lambda x, m=model, b=block, g=g: diffusion_loss(m, x, mask_id, b, g)  # noqa: E731
        train(model, loss_fn, train_x, cfg["steps"], cfg["lr"], cfg["batch"], g)
        model.eval()
        g_eval = torch.Generator(device=dev).manual_seed(seed + 5)
        with torch.no_grad():
            if kind == "ar":
                per_seq = ar_nll(model, eval_x, bos).double() / length
                mean, se = per_seq.mean().item(), (per_seq.std() / len(per_seq) ** 0.5).item()
            else:
                mean, se = nll_bound(model, eval_x, mask_id, block, cfg["mc_samples"], g_eval)
        rows[kind] = {"bound": mean, "se": se, "block": length if kind == "mdm" else block}
    return {"h_true": h_true, "rows": rows, "length": length}


def measure(demo: Demo, params: dict, preset: Size, dev: str, progress: Progress) -> dict[str, Any]:
    """Part (a) at every size; part (b) where the size defines it (full)."""
    dims = preset.dims
    timer = PhaseTimer(dev)
    cfg = {**dims["reversal"]}
    for name in ("facts", "steps"):
        if name in params:  # smoke-size knobs
            cfg[name] = params[name]
    with timer.phase("reversal"):
        reversal = reversal_part(params, cfg, dev, progress, "part (a)")
    likelihood = None
    if dims.get("likelihood"):
        with timer.phase("likelihood"):
            likelihood = likelihood_part(params, dims["likelihood"], dev, progress)
    progress(1, 1, "done")
    env = env_record(
        device=dev, dtype="float32", seed=params["seed"], size=preset, demo_version=demo.version
    )
    return assemble(demo, params, cfg, reversal, likelihood, timer.as_dict(), env)
