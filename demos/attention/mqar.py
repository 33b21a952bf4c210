"""Multi-query associative recall (MQAR, Zoology, arXiv:2312.04927) and a one-layer mixer model.

A sequence lists N key-value pairs k_1 v_1 ... k_N v_N (distinct keys from a key vocabulary, values
from a separate value vocabulary), then queries the N keys in a random order; the model must emit
each key's value at its query position. The model: embedding, an optional short causal depthwise
convolution on q, k and v (kernel 4, as in DeltaNet's layer and flash-linear-attention), one
mixer with a residual, and a head over the value vocabulary.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from demos.attention.deltanet import deltanet_parallel, linear_attention_parallel, softmax_attention


@dataclass(frozen=True)
class Task:
    """MQAR sizes: N pairs per sequence, n_keys >= N distinct keys, n_values values."""

    pairs: int
    n_keys: int
    n_values: int

    def __post_init__(self):
        if self.n_keys < self.pairs:
            raise ValueError(f"the key vocabulary ({self.n_keys}) must hold the {self.pairs} keys")

    @property
    def vocab(self) -> int:
        """Token ids: keys 0 .. n_keys - 1, then values."""
        return self.n_keys + self.n_values


def mqar_batch(
    task: Task, batch: int, g: torch.Generator, device: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """Tokens (B, 3N) and targets (B, N): each query's value id (0 .. n_values - 1)."""
    N = task.pairs
    keys = torch.rand(batch, task.n_keys, generator=g, device=device).argsort(dim=-1)[:, :N]
    values = torch.randint(0, task.n_values, (batch, N), generator=g, device=device)  # (B, N)
    order = torch.rand(batch, N, generator=g, device=device).argsort(dim=-1)  # (B, N)
    context = torch.stack([keys, values + task.n_keys], dim=-1).reshape(batch, 2 * N)  # k v k v
    queries = keys.gather(1, order)  # (B, N) the keys again, permuted
    return torch.cat([context, queries], dim=1), values.gather(1, order)  # (B, 3N), (B, N)


def short_conv(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """Causal depthwise convolution as a sum of shifted copies: y_t = b + Σ_j w_j x_{t-K+1+j}.

    x: (B, T, C); weight: (C, K), column K - 1 multiplies the current token; returns (B, T, C).
    A few fused multiply-adds: on one CPU thread much faster than nn.Conv1d at these sizes.
    """
    K, T = weight.shape[1], x.shape[1]
    xp = F.pad(x, (0, 0, K - 1, 0))  # (B, T + K - 1, C) zeros before the first token
    return bias + sum(xp[:, j : j + T] * weight[:, j] for j in range(K))


def short_conv_reference(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """The same convolution through F.conv1d (groups = C, left padding K - 1)."""
    K, T = weight.shape[1], x.shape[1]
    y = F.conv1d(x.transpose(1, 2), weight[:, None], bias, padding=K - 1, groups=x.shape[2])
    return y[..., :T].transpose(1, 2)  # (B, T, C): the first T outputs are the causal ones


class ShortConv(nn.Module):
    """Short causal depthwise convolution (kernel 4 in DeltaNet's layer), Conv1d's init."""

    def __init__(self, channels: int, kernel: int):
        super().__init__()
        bound = kernel**-0.5  # nn.Conv1d's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        self.weight = nn.Parameter(torch.empty(channels, kernel).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(channels).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, C) -> (B, T, C), causal."""
        return short_conv(x, self.weight, self.bias)


class OneLayer(nn.Module):
    """Embedding -> [short conv on q, k, v] -> one mixer (+ residual) -> head over values."""

    def __init__(self, task: Task, d: int, mixer: str, conv: bool, kernel: int = 4):
        super().__init__()
        self.task, self.mixer, self.kernel = task, mixer, kernel
        self.emb = nn.Embedding(task.vocab, d)
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.conv = ShortConv(3 * d, kernel) if conv else None
        self.beta = nn.Linear(d, 1) if mixer == "deltanet" else None
        self.out = nn.Linear(d, d, bias=False)
        self.head = nn.Linear(d, task.n_values)

    def mixer_inputs(self, tokens: torch.Tensor) -> dict[str, torch.Tensor]:
        """Embedding h and the mixer's q, k, v (B, T, d) and beta (B, T) (after conv and maps)."""
        h = self.emb(tokens)  # (B, T, d)
        qkv = self.qkv(h)  # (B, T, 3d)
        if self.conv is not None:
            qkv = self.conv(qkv)  # (B, T, 3d), causal
        q, k, v = qkv.chunk(3, dim=-1)  # each (B, T, d)
        if self.mixer != "softmax":
            q, k = F.normalize(F.silu(q), dim=-1), F.normalize(F.silu(k), dim=-1)  # DeltaNet's map
        beta = torch.sigmoid(self.beta(h))[..., 0] if self.beta is not None else None  # (B, T)
        return {"h": h, "q": q, "k": k, "v": v, "beta": beta}

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Logits over the value vocabulary at the N query positions: (B, N, n_values)."""
        x = self.mixer_inputs(tokens)
        if self.mixer == "softmax":
            o = softmax_attention(x["q"], x["k"], x["v"])
        elif self.mixer == "deltanet":
            o = deltanet_parallel(x["q"], x["k"], x["v"], x["beta"])
        else:
            o = linear_attention_parallel(x["q"], x["k"], x["v"])
        h = x["h"] + self.out(o)  # (B, T, d) residual
        return self.head(h[:, -self.task.pairs :])  # (B, N, n_values)

    def conv_kernels(self) -> dict[str, list[float]]:
        """Mean |weight| per lag (lag 0 = the current token) of the q, k and v convolutions."""
        w = self.conv.weight.detach().abs().flip(-1)  # (3d, kernel), column j = lag j
        q, k, v = w.chunk(3, dim=0)  # each (d, kernel)
        return {
            name: part.mean(dim=0).tolist() for name, part in zip("qkv", (q, k, v), strict=True)
        }


def train_and_eval(
    task: Task, d: int, mixer: str, conv: bool, cfg: dict, seed: int, device: str
) -> dict:
    """Train with AdamW on fresh batches; accuracy on a held-out batch, conv kernels, the model."""
    with torch.random.fork_rng(devices=[] if device == "cpu" else [device]):
        torch.manual_seed(seed)
        model = OneLayer(task, d, mixer, conv).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=0.0)
    g_train = torch.Generator(device=device).manual_seed(2 * seed)
    g_eval = torch.Generator(device=device).manual_seed(2 * seed + 1)
    for _ in range(cfg["steps"]):
        tokens, targets = mqar_batch(task, cfg["batch"], g_train, device)
        loss = F.cross_entropy(model(tokens).flatten(0, 1), targets.flatten())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    with torch.no_grad():
        tokens, targets = mqar_batch(task, cfg["eval_batch"], g_eval, device)
        acc = (model(tokens).argmax(dim=-1) == targets).double().mean().item()
    return {
        "accuracy": acc,
        "final_loss": loss.item(),
        "kernels": model.conv_kernels() if conv else None,
        "model": model,
        "eval_tokens": tokens,
    }
