#!/usr/bin/python3
"""The PyTorch CPU reference for the gpt-train and gpt-sample bench cases (bench/cases-gpt.ts):
the same char-gpt (scripts/gpt_torch.py, float32, F.scaled_dot_product_attention where the torch has it), the same
weights and token windows, AdamW + warm-up/cosine + clipping, on torch.set_num_threads(2).
Prints the first step's loss (it should equal the bench checksum of every system) and the
median over timed steps of wall and CPU time, as tokens/s and characters/s.

    npx tsx scripts/export-gpt-bench.ts && /usr/bin/python3 scripts/bench-gpt-torch.py [--steps N] [--threads T]

Debian's python3-torch links the reference BLAS (libblas3: 1.5 s of CPU per step here); with
OpenBLAS it is ~8x faster. Without installing it system-wide:
    apt-get download libopenblas0-pthread && dpkg -x libopenblas0-pthread_*.deb /tmp/ob
    OPENBLAS_NUM_THREADS=1 LD_LIBRARY_PATH=/tmp/ob/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 scripts/bench-gpt-torch.py
"""

import argparse
import json
import os
import statistics
import time

# libgomp's threads spin while they wait; on a loaded machine that burns the other core for nothing
# (measured: 2 s of CPU per gpt-train-b8 step spinning, 0.2 s passive)
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
import torch  # noqa: E402

from gpt_torch import CharGpt, Trainer, tensors

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')


def blas():
    """the BLAS library this process loaded"""
    maps = [l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l]
    return os.path.basename(maps[0]) if maps else 'unknown'


def timed(fn, n):
    """(median wall s, median CPU s) over n calls"""
    walls, cpus = [], []
    for _ in range(n):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--steps', type=int, default=10)
    ap.add_argument('--tokens', type=int, default=30)
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    j = json.load(open(os.path.join(ROOT, 'out', 'gpt-bench-input.json')))
    o, b, t = j['options'], j['batchSize'], j['config']['context']
    params = tensors(j['params'], torch.float32)
    model = CharGpt(params, o, sdpa=True)
    trainer = Trainer(params, o, j['optimizer']['lr'], 1000, eps=j['optimizer']['eps'])
    x = torch.tensor(j['batch'], dtype=torch.float32).reshape(b, t + 1)
    first, _ = trainer.step(lambda: model.loss(x))
    for _ in range(2):
        trainer.step(lambda: model.loss(x))
    wall, cpu = timed(lambda: trainer.step(lambda: model.loss(x)), a.steps)
    print(f"gpt-train ({j['case']}, batch {b} × context {t}): first-step loss {first:.7f}; "
          f"median of {a.steps} steps {wall * 1000:.1f} ms wall, {cpu * 1000:.1f} ms CPU → {b * t / wall:.0f} tokens/s "
          f"(torch {torch.__version__}, {torch.get_num_threads()} threads, BLAS {blas()})")

    # the sampler starts from the initial weights (training moved these)
    model = CharGpt(tensors(j['params'], torch.float32), o, sdpa=True)
    window = torch.tensor(j['prompt'], dtype=torch.long).reshape(1, t)

    def next_char():
        nonlocal window
        with torch.no_grad():
            logits = model.logits(window)[0, -1]
        window = torch.cat([window[:, 1:], logits.argmax().reshape(1, 1)], 1)
        return logits

    checksum = next_char().sum().item()
    for _ in range(3):
        next_char()
    wall, cpu = timed(next_char, a.tokens)
    print(f"gpt-sample (window {t}, greedy): first logits sum {checksum:.7f}; median of {a.tokens} characters "
          f"{wall * 1000:.2f} ms wall, {cpu * 1000:.2f} ms CPU → {1 / wall:.1f} characters/s")


if __name__ == '__main__':
    main()
