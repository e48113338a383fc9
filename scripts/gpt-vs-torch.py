#!/usr/bin/python3
"""PyTorch side of scripts/gpt-vs-torch.ts: trains char-gpt (scripts/gpt_torch.py) from Axon's
initial weights on the given batches and writes the per-step losses and the validation loss.

    /usr/bin/python3 scripts/gpt-vs-torch.py out/gpt-long-input.json out/gpt-long-torch.json
"""

import json
import os
import sys
import time

# libgomp's threads spin while they wait; on a loaded machine that burns the other core for nothing
# (measured: 2 s of CPU per gpt-train-b8 step spinning, 0.2 s passive)
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
import torch  # noqa: E402

from gpt_torch import CharGpt, Trainer, tensors


def main():
    src, dst = sys.argv[1], sys.argv[2]
    torch.set_num_threads(2)
    j = json.load(open(src))
    dtype = getattr(torch, j['dtype'])
    o, b, w = j['options'], j['batchSize'], j['window']
    params = tensors(j['params'], dtype)
    model = CharGpt(params, o)
    trainer = Trainer(params, o, j['lr'], j['steps'])
    losses = []
    t0 = time.perf_counter()
    for i, batch in enumerate(j['batches']):
        x = torch.tensor(batch, dtype=dtype).reshape(b, w)
        loss, _ = trainer.step(lambda: model.loss(x))
        losses.append(loss)
        if (i + 1) % 25 == 0:
            print(f'pytorch step {i + 1}: loss {loss:.4f}', file=sys.stderr)
    seconds = time.perf_counter() - t0
    val = torch.tensor(j['val'], dtype=dtype).reshape(-1, w)
    with torch.no_grad():
        # the mean over windows of each window's mean loss, as Axon's evaluate() reports it
        val_loss = sum(model.loss(val[i:i + b]).item() * len(val[i:i + b]) for i in range(0, len(val), b)) / len(val)
    json.dump({'torch': torch.__version__, 'dtype': j['dtype'], 'threads': torch.get_num_threads(), 'losses': losses, 'valLoss': val_loss, 'seconds': seconds}, open(dst, 'w'))
    print(f'pytorch ({j["dtype"]}): val loss {val_loss:.4f} after {len(losses)} steps, {seconds:.1f} s', file=sys.stderr)


if __name__ == '__main__':
    main()
