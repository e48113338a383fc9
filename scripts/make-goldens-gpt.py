#!/usr/bin/python3
"""PyTorch parity goldens for char-gpt: the same model in PyTorch (float64), from Axon's initial
weights and batches, trained with the same AdamW, warm-up + cosine schedule and global-norm
clipping. Writes test/goldens/gpt/char-gpt-parity.json: the loss at each step and every
gradient at the first step (before clipping).

    npx tsx scripts/export-gpt-parity.ts          # Axon's weights and batches → out/
    /usr/bin/python3 scripts/make-goldens-gpt.py
"""

import json
import math
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')


def warmup_cosine(t, warmup, total, min_ratio=0.1):
    """λ(t) of Axon's optim.warmupCosine."""
    if t < warmup:
        return (t + 1) / warmup
    progress = min(1.0, (t - warmup) / max(1, total - warmup))
    return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


def main():
    j = json.load(open(os.path.join(ROOT, 'out', 'gpt-parity-input.json')))
    o = j['options']
    layers, width, heads, context = o['layers'], o['width'], o['heads'], o['context']
    params = {k: torch.tensor(v['data'], dtype=torch.float64).reshape(v['shape']).requires_grad_(True) for k, v in j['params'].items()}
    p = params

    def attention(x, pre):
        b, t, c = x.shape
        d = c // heads

        def split(y):
            return y.reshape(b, t, heads, d).transpose(1, 2)
        q = split(x @ p[f'{pre}/wq'] + p[f'{pre}/bq'])
        k = split(x @ p[f'{pre}/wk'] + p[f'{pre}/bk'])
        v = split(x @ p[f'{pre}/wv'] + p[f'{pre}/bv'])
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(d)
        scores = scores.masked_fill(~torch.ones(t, t, dtype=torch.bool).tril(), float('-inf'))
        y = (torch.softmax(scores, -1) @ v).transpose(1, 2).reshape(b, t, c)
        return y @ p[f'{pre}/wo'] + p[f'{pre}/bo']

    def ln(x, pre):
        return F.layer_norm(x, (width,), p[f'{pre}/gamma'], p[f'{pre}/beta'], eps=1e-5)

    def loss_of(x):
        ids, targets = x[:, :-1].long(), x[:, 1:].long()
        h = p['tok/table'][ids] + p['pos/table']
        for l in range(1, layers + 1):
            h = h + attention(ln(h, f'block{l}/ln1'), f'block{l}/attn')
            m = F.gelu(ln(h, f'block{l}/ln2') @ p[f'block{l}/fc/w'] + p[f'block{l}/fc/b'], approximate='tanh')
            h = h + m @ p[f'block{l}/proj/w'] + p[f'block{l}/proj/b']
        logits = ln(h, 'ln_f') @ p['tok/table'].T
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))

    names = list(params)
    opt = torch.optim.AdamW([params[n] for n in names], lr=j['lr'], betas=(0.9, 0.999), eps=1e-8, weight_decay=o['weight_decay'])
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: warmup_cosine(t, o['warmup'], j['steps']))
    losses, grads, grad_norm = [], None, None
    for step, batch in enumerate(j['batches']):
        x = torch.tensor(batch, dtype=torch.float64).reshape(j['batchSize'], context + 1)
        opt.zero_grad()
        loss = loss_of(x)
        loss.backward()
        losses.append(loss.item())
        if step == 0:
            grads = {n: params[n].grad.detach().reshape(-1).tolist() for n in names}
        norm = torch.nn.utils.clip_grad_norm_([params[n] for n in names], o['clip'])
        if step == 0:
            grad_norm = norm.item()
        opt.step()
        sched.step()
    out_dir = os.path.join(ROOT, 'test', 'goldens', 'gpt')
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, 'char-gpt-parity.json')
    with open(path, 'w') as f:
        json.dump({'torch': torch.__version__, 'options': o, 'vocab': j['vocab'], 'lr': j['lr'], 'steps': j['steps'],
                   'losses': losses, 'gradNorm': grad_norm, 'grads': grads}, f)
        f.write('\n')
    print(f'{path}: losses {losses}, first-step gradient norm {grad_norm} (torch {torch.__version__})')


if __name__ == '__main__':
    main()
