"""Demo D9: codebook collapse under straight-through VQ, and DiVeQ / SF-DiVeQ that avoid it.

Paper: DiVeQ, Vali, Backstrom and Solin, ICLR 2026 (arXiv:2509.26469). A VQ autoencoder (MLP
encoder and decoder, width 128) learns a 6-D manifold in R^32; the codebook starts uniform in
[0, 1/K]. Claim: the straight-through estimator leaves most codes dead while DiVeQ uses nearly all
of them (smoke: used(DiVeQ) >= 5 used(STE)), and DiVeQ reconstructs better (MSE < 0.7 x STE).
Several seeds train side by side as one batched model. design/demos.md D9.
"""

import math
from typing import Any

import torch

from demos.base import Demo, Progress, Size, run_seeds
from demos.common.timing import PhaseTimer
from demos.vq import quantizers as vq

ESTIMATORS = {"ste": "STE", "diveq": "DiVeQ", "diveq_replace": "DiVeQ + replacement",
              "sf_diveq": "SF-DiVeQ"}  # fmt: skip


def manifold(seeds: list[int], dims: dict, dev: str) -> dict[str, torch.Tensor]:
    """One data map per seed: x = tanh(W u + b), u ~ N(0, I_6), W (6 -> 32). Returns W, b."""
    Ws, bs = [], []
    for s in seeds:
        g = torch.Generator(device=dev).manual_seed(s)
        Ws.append(
            torch.randn(dims["intrinsic"], dims["data_dim"], generator=g, device=dev)
            / math.sqrt(dims["intrinsic"])
        )  # unit-variance pre-activations
        bs.append(0.5 * torch.randn(1, dims["data_dim"], generator=g, device=dev))
    return {"W": torch.stack(Ws), "b": torch.stack(bs)}  # (S, 6, 32), (S, 1, 32)


def sample(data: dict, n: int, g: torch.Generator) -> torch.Tensor:
    """n points per run from each seed's manifold: (S, n, 32)."""
    S, d_in, _ = data["W"].shape
    u = torch.randn(S, n, d_in, generator=g, device=data["W"].device)
    return torch.tanh(u @ data["W"] + data["b"])


def init_mlp(sizes: list[int], S: int, g: torch.Generator, dev: str) -> list[torch.Tensor]:
    """Batched MLP weights (S, in, out) and biases (S, 1, out), U(-1/sqrt(in), 1/sqrt(in))."""
    params = []
    for d_in, d_out in zip(sizes, sizes[1:], strict=False):
        bound = 1 / math.sqrt(d_in)
        for shape in ((S, d_in, d_out), (S, 1, d_out)):
            w = (torch.rand(shape, generator=g, device=dev) * 2 - 1) * bound
            params.append(w.requires_grad_())
    return params


def mlp(params: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """ReLU MLP over runs: x (S, B, in) -> (S, B, out)."""
    layers = list(zip(params[::2], params[1::2], strict=True))
    for i, (w, b) in enumerate(layers):
        x = torch.baddbmm(b, x, w)  # (S, B, out)
        if i < len(layers) - 1:
            x = torch.relu(x)
    return x


class Adam:
    """Adam (Kingma and Ba 2015, Alg. 1) over a list of tensors, equal to torch.optim.Adam's
    defaults (tested). torch.optim's first construction in a process imports the compiler stack
    (1.9 s of CPU, measured), more than a third of the smoke budget; this costs nothing."""

    def __init__(self, params: list[torch.Tensor], lr: float, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.lr, self.betas, self.eps, self.t = params, lr, betas, eps, 0
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]

    @torch.no_grad()
    def step(self) -> None:
        """One update from the parameters' .grad (multi-tensor ops); clears the gradients."""
        self.t += 1
        b1, b2 = self.betas
        grads = [p.grad for p in self.params]
        torch._foreach_lerp_(self.m, grads, 1 - b1)  # m = b1 m + (1 - b1) g
        torch._foreach_mul_(self.v, b2)
        torch._foreach_addcmul_(self.v, grads, grads, value=1 - b2)  # v = b2 v + (1 - b2) g^2
        denom = torch._foreach_sqrt(torch._foreach_div(self.v, 1 - b2**self.t))
        torch._foreach_add_(denom, self.eps)
        torch._foreach_addcdiv_(self.params, self.m, denom, value=-self.lr / (1 - b1**self.t))
        for p in self.params:
            p.grad = None


def train(estimator: str, data: dict, seeds: list[int], dims: dict, dev: str, progress,
          stage: tuple[int, int]) -> dict[str, Any]:  # fmt: skip
    """Train one estimator on every seed at once (Adam 1e-3); track code usage during training."""
    S, K, D, W = len(seeds), dims["K"], dims["latent"], dims["width"]
    g = torch.Generator(device=dev).manual_seed(seeds[0] + 1000 * (1 + list(ESTIMATORS).index(
        estimator)))  # fmt: skip
    enc = init_mlp([dims["data_dim"], W, W, D], S, g, dev)
    dec = init_mlp([D, W, W, dims["data_dim"]], S, g, dev)
    codebook = (torch.rand(S, K, D, generator=g, device=dev) / K).requires_grad_()  # U[0, 1/K]
    opt = Adam([*enc, *dec, codebook], lr=dims["lr"])
    g_data = torch.Generator(device=dev).manual_seed(seeds[0] + 7)  # same batches for all
    x_eval = sample(data, dims["eval"], torch.Generator(device=dev).manual_seed(seeds[0] + 8))
    window = torch.zeros(S, K, device=dev)  # code counts since the last replacement
    curve: dict[str, list] = {"step": [], "used": []}
    steps = dims["steps"]
    for step in range(1, steps + 1):
        x = sample(data, dims["batch"], g_data)  # (S, B, 32)
        z = mlp(enc, x)  # (S, B, D)
        if estimator == "ste":
            z_q, idx, aux = vq.ste(z, codebook)
        elif estimator == "sf_diveq":
            z_q, idx, aux = vq.sf_diveq(z, codebook, dims["sigma"], g)
        else:
            z_q, idx, aux = vq.diveq(z, codebook, dims["sigma"], g)
        recon = (mlp(dec, z_q) - x).square().sum(-1).mean(-1)  # (S,)
        loss = recon.sum() + aux * S  # runs are independent: sum their mean losses
        loss.backward()
        opt.step()
        if estimator == "diveq_replace":
            window.scatter_add_(1, idx, torch.ones_like(idx, dtype=window.dtype))
            if step % dims["replace_every"] == 0:
                _replace_dead(codebook, window, z.detach(), g)
                window.zero_()
        if step % dims["eval_every"] == 0 or step == steps:
            used, _ = evaluate(enc, dec, codebook, x_eval)[:2]
            curve["step"].append(step)
            curve["used"].append(used)
            progress(stage[0] * steps + step, stage[1] * steps, f"{ESTIMATORS[estimator]}: step "
                     f"{step}/{steps}, codes used {used[0]}/{K}")  # fmt: skip
    used, ppl, mse, z_eval = evaluate(enc, dec, codebook, x_eval)
    return {"used": used, "perplexity": ppl, "mse": mse, "curve": curve, "z": z_eval,
            "codebook": codebook.detach(), "distortion": vq.distortion(z_eval, codebook.detach())}  # fmt: skip


@torch.no_grad()
def _replace_dead(codebook: torch.Tensor, counts: torch.Tensor, z: torch.Tensor, g) -> None:
    """Move codes used < 1 % of the average since the last check onto random current latents."""
    S, K, _ = codebook.shape
    dead = counts < 0.01 * counts.sum(-1, keepdim=True) / K  # (S, K)
    pick = torch.randint(0, z.shape[1], (S, K), generator=g, device=z.device)
    fresh = vq.gather(z, pick)  # (S, K, D)
    codebook.copy_(torch.where(dead[..., None], fresh, codebook))


@torch.no_grad()
def evaluate(enc, dec, codebook, x: torch.Tensor):
    """Codes used, perplexity and reconstruction MSE through the hard nearest codeword."""
    z = mlp(enc, x)
    idx = vq.nearest(z, codebook)
    used, ppl = vq.usage(idx, codebook.shape[1])
    mse = (mlp(dec, vq.gather(codebook, idx)) - x).square().sum(-1).mean(-1).tolist()
    return used, ppl, mse, z


def measure(demo: Demo, params: dict, preset: Size, dev: str, progress: Progress) -> dict[str, Any]:
    """Train each estimator on every seed, then the k-means reference on DiVeQ's latents."""
    from demos.vq.diveq_report import result  # tables, plots and checks

    dims = {**preset.dims, "steps": params["steps"] or preset.dims["steps"]}
    timer = PhaseTimer(dev)
    seeds = run_seeds(params, preset)
    data = manifold(seeds, dims, dev)
    runs = {}
    names = list(dims["estimators"])
    for i, name in enumerate(names):
        with timer.phase(name):
            runs[name] = train(name, data, seeds, dims, dev, progress, (i, len(names)))
    with timer.phase("kmeans"):
        ref = runs["diveq"]
        centres = vq.lloyd(ref["z"], dims["K"], dims["lloyd_iters"],
                           torch.Generator(device=dev).manual_seed(seeds[0] + 9))  # fmt: skip
        lloyd = {"distortion": vq.distortion(ref["z"], centres)}
    progress(len(names), len(names), "done")
    return result(demo, params, preset, dev, timer, {"seeds": seeds, "runs": runs,
                                                     "lloyd": lloyd, "dims": dims})  # fmt: skip
