#!/usr/bin/python3
"""PyTorch parity goldens for char-gpt: the same model in PyTorch (float64, scripts/gpt_torch.py),
from Axon's initial weights and batches, trained with the same AdamW, warm-up + cosine schedule
and global-norm clipping. Writes test/goldens/gpt/char-gpt-parity.json: the loss at each step
and every gradient at the first step (before clipping).

    npx tsx scripts/export-gpt-parity.ts          # Axon's weights and batches → out/
    /usr/bin/python3 scripts/make-goldens-gpt.py
"""

import json
import os

import torch

from gpt_torch import CharGpt, Trainer, tensors

torch.set_default_dtype(torch.float64)
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')


def main():
    j = json.load(open(os.path.join(ROOT, 'out', 'gpt-parity-input.json')))
    o = j['options']
    params = tensors(j['params'], torch.float64)
    model = CharGpt(params, o)
    trainer = Trainer(params, o, j['lr'], j['steps'])
    losses, grads, grad_norm = [], None, None

    def keep_grads(names, ps):
        nonlocal grads
        grads = {n: q.grad.detach().reshape(-1).tolist() for n, q in zip(names, ps)}

    for step, batch in enumerate(j['batches']):
        x = torch.tensor(batch, dtype=torch.float64).reshape(j['batchSize'], o['context'] + 1)
        loss, norm = trainer.step(lambda: model.loss(x), keep_grads if step == 0 else None)
        losses.append(loss)
        if step == 0:
            grad_norm = norm
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
