"""char-gpt in PyTorch, shared by the parity goldens (scripts/make-goldens-gpt.py), the 200-step
comparison (scripts/gpt-long-run.py) and the CPU reference timing (scripts/bench-gpt-torch.py).

The model is examples/char-gpt.ts written out: token + position embeddings, pre-LN blocks (causal
multi-head attention, tanh-GELU MLP ×4, residuals), final layer norm, head tied to the token
embedding, mean cross-entropy on the next character. Params are Axon's, by Axon's names, in x·W
layout. Dropout is not modelled (every comparison runs with dropout 0). The optimizer is
torch.optim.AdamW with Axon's warm-up + cosine schedule and clip_grad_norm_.
"""

import math

import torch
import torch.nn.functional as F


def warmup_cosine(t, warmup, total, min_ratio=0.1):
    """λ(t) of Axon's optim.warmupCosine."""
    if t < warmup:
        return (t + 1) / warmup
    progress = min(1.0, (t - warmup) / max(1, total - warmup))
    return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


def tensors(params, dtype):
    """{name: {shape, data}} (as the export scripts write them) → leaf tensors that need grad."""
    return {k: torch.tensor(v['data'], dtype=dtype).reshape(v['shape']).requires_grad_(True) for k, v in params.items()}


class CharGpt:
    """The forward pass over a dict of params; `sdpa` uses F.scaled_dot_product_attention (what a
    PyTorch user would write for speed) instead of the explicit masked softmax, where the torch
    has it (2.0 on; Debian's 1.13 does not)."""

    def __init__(self, p, o, sdpa=False):
        self.p, self.o, self.sdpa = p, o, sdpa
        self.width, self.heads, self.layers = o['width'], o['heads'], o['layers']

    def attention(self, x, pre):
        p, heads = self.p, self.heads
        b, t, c = x.shape
        d = c // heads

        def split(y):
            return y.reshape(b, t, heads, d).transpose(1, 2)
        q = split(x @ p[f'{pre}/wq'] + p[f'{pre}/bq'])
        k = split(x @ p[f'{pre}/wk'] + p[f'{pre}/bk'])
        v = split(x @ p[f'{pre}/wv'] + p[f'{pre}/bv'])
        if self.sdpa and hasattr(F, 'scaled_dot_product_attention'):
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            scores = (q @ k.transpose(-1, -2)) / math.sqrt(d)
            scores = scores.masked_fill(~torch.ones(t, t, dtype=torch.bool).tril(), float('-inf'))
            y = torch.softmax(scores, -1) @ v
        return y.transpose(1, 2).reshape(b, t, c) @ p[f'{pre}/wo'] + p[f'{pre}/bo']

    def ln(self, x, pre):
        return F.layer_norm(x, (self.width,), self.p[f'{pre}/gamma'], self.p[f'{pre}/beta'], eps=1e-5)

    def logits(self, ids):
        p = self.p
        h = p['tok/table'][ids] + p['pos/table'][: ids.shape[1]]
        for l in range(1, self.layers + 1):
            h = h + self.attention(self.ln(h, f'block{l}/ln1'), f'block{l}/attn')
            m = F.gelu(self.ln(h, f'block{l}/ln2') @ p[f'block{l}/fc/w'] + p[f'block{l}/fc/b'], approximate='tanh')
            h = h + m @ p[f'block{l}/proj/w'] + p[f'block{l}/proj/b']
        return self.ln(h, 'ln_f') @ p['tok/table'].T

    def loss(self, x):
        """mean next-character cross-entropy of windows x [B, T + 1] (ids, any dtype)"""
        ids, targets = x[:, :-1].long(), x[:, 1:].long()
        logits = self.logits(ids)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


class Trainer:
    """AdamW (PyTorch's) + Axon's warm-up/cosine schedule + clipping by global norm, as char-gpt trains."""

    def __init__(self, params, o, lr, total_steps, eps=1e-8):
        self.names = list(params)
        self.params = [params[n] for n in self.names]
        self.clip = o['clip']
        self.opt = torch.optim.AdamW(self.params, lr=lr, betas=(0.9, 0.999), eps=eps, weight_decay=o['weight_decay'])
        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, lambda t: warmup_cosine(t, o['warmup'], total_steps))

    def step(self, loss_fn, before_clip=None):
        """one step; returns (loss, gradient norm before clipping). before_clip(names, params) sees the raw gradients."""
        self.opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        if before_clip:
            before_clip(self.names, self.params)
        norm = torch.nn.utils.clip_grad_norm_(self.params, self.clip)
        self.opt.step()
        self.sched.step()
        return loss.item(), norm.item()
