#!/usr/bin/python3
"""Write PyTorch-computed golden cases for Axon's composite ops to test/goldens/composites.json.

Run with Debian's interpreter (the only one that has torch):
    /usr/bin/python3 scripts/make-goldens-composites.py

Same conventions as scripts/make-goldens.py (whose helpers it reuses): float64, inputs drawn
in float32, one seed per case id, format in test/goldens/README.md. Kept in its own script and
file so that the primitive goldens and the composite goldens can be regenerated separately.
"""

import importlib.util
import math
import os

import torch
import torch.nn.functional as F

_spec = importlib.util.spec_from_file_location(
    'make_goldens', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'make-goldens.py'))
G = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(G)

FAM = 'composites'
normal, uniform, add_case = G.normal, G.uniform, G.add_case


def away_from(shape, points, margin=0.05, lo=-2.0, hi=2.0):
    """Uniform values in [lo, hi] at least `margin` from every point in `points` (kinks)."""
    x = G.uniform(shape, lo, hi)
    for p in points:
        near = (x - p).abs() < margin
        x = torch.where(near, x + 2 * margin * torch.sign(x - p + 1e-12), x)
    return G.f32(x)


def norm_cases():
    for shape, rank in [((4, 6), 1), ((2, 3, 5), 1), ((2, 3, 4), 2), ((3, 17), 1)]:
        dims = 'x'.join(map(str, shape))
        tail = shape[len(shape) - rank:]
        add_case(FAM, f'layerNorm_{dims}_r{rank}', 'layerNorm', {'normalizedRank': rank, 'eps': 1e-5},
                 lambda shape=shape, tail=tail: {'x': G.f32(normal(shape, 2.0) + 0.3),
                                                 'gamma': uniform(tail, 0.5, 1.5), 'beta': normal(tail, 0.5)},
                 lambda x, gamma, beta, tail=tail: F.layer_norm(x, tail, gamma, beta, eps=1e-5))
    for shape in [(4, 6), (2, 3, 5)]:
        dims = 'x'.join(map(str, shape))
        add_case(FAM, f'rmsNorm_{dims}', 'rmsNorm', {'eps': 1e-6},
                 lambda shape=shape: {'x': normal(shape, 2.0), 'gamma': uniform(shape[-1:], 0.5, 1.5)},
                 lambda x, gamma: x / torch.sqrt((x * x).mean(-1, keepdim=True) + 1e-6) * gamma)


def elementwise_cases():
    for shape in [(3, 4), (2, 3, 5)]:
        dims = 'x'.join(map(str, shape))
        add_case(FAM, f'geluTanh_{dims}', 'geluTanh', {}, lambda shape=shape: {'x': normal(shape, 2.0)},
                 lambda x: F.gelu(x, approximate='tanh'))
        add_case(FAM, f'clamp_{dims}', 'clamp', {'lo': -0.5, 'hi': 0.75},
                 lambda shape=shape: {'x': away_from(shape, [-0.5, 0.75])},
                 lambda x: torch.clamp(x, -0.5, 0.75))
        add_case(FAM, f'gelu_{dims}', 'gelu', {}, lambda shape=shape: {'x': normal(shape, 2.0)},
                 lambda x: F.gelu(x))
    add_case(FAM, 'squeeze_1x3x1x4', 'squeeze', {'axes': [0, 2]}, lambda: {'x': normal((1, 3, 1, 4))},
             lambda x: x.squeeze(2).squeeze(0))
    add_case(FAM, 'unsqueeze_3x4_axis1', 'unsqueeze', {'axis': 1}, lambda: {'x': normal((3, 4))},
             lambda x: x.unsqueeze(1))
    add_case(FAM, 'cumsum_3x5_axis1', 'cumsum', {'axis': 1}, lambda: {'x': normal((3, 5))},
             lambda x: torch.cumsum(x, 1))
    add_case(FAM, 'cumsum_4x3x2_axis0', 'cumsum', {'axis': 0}, lambda: {'x': normal((4, 3, 2))},
             lambda x: torch.cumsum(x, 0))
    add_case(FAM, 'cumsum_2x17_axis1', 'cumsum', {'axis': 1}, lambda: {'x': normal((2, 17))},
             lambda x: torch.cumsum(x, 1))
    add_case(FAM, 'oneHot_2x3_k5', 'oneHot', {'classes': 5},
             lambda: {'indices': G.labels((2, 3), 5)},
             lambda indices: F.one_hot(indices, 5).double(), no_grads=True)


def pooling_cases():
    for shape in [(2, 3, 4, 5), (1, 2, 3, 3)]:
        dims = 'x'.join(map(str, shape))
        add_case(FAM, f'globalAvgPool2d_{dims}', 'globalAvgPool2d', {}, lambda shape=shape: {'x': normal(shape)},
                 lambda x: F.adaptive_avg_pool2d(x, 1).flatten(1))
    add_case(FAM, 'upsampleNearest2d_1x2x3x4_s2', 'upsampleNearest2d', {'scale': [2, 2]},
             lambda: {'x': normal((1, 2, 3, 4))}, lambda x: F.interpolate(x, scale_factor=2, mode='nearest'))
    add_case(FAM, 'upsampleNearest2d_2x1x2x3_s3x2', 'upsampleNearest2d', {'scale': [3, 2]},
             lambda: {'x': normal((2, 1, 2, 3))}, lambda x: F.interpolate(x, scale_factor=(3, 2), mode='nearest'))
    for size, ac in [((6, 8), False), ((5, 7), True), ((7, 3), False)]:
        name = f'upsampleBilinear2d_1x2x3x4_to{size[0]}x{size[1]}{"_alignCorners" if ac else ""}'
        add_case(FAM, name, 'upsampleBilinear2d', {'size': list(size), 'alignCorners': ac},
                 lambda: {'x': normal((1, 2, 3, 4))},
                 lambda x, size=size, ac=ac: F.interpolate(x, size=size, mode='bilinear', align_corners=ac))


def conv1d_cases():
    specs = [
        # name, x shape, w shape, stride, padding, dilation, groups, bias
        ('basic', (2, 3, 9), (4, 3, 3), 1, 0, 1, 1, True),
        ('stride2_pad1', (1, 2, 10), (3, 2, 3), 2, 1, 1, 1, False),
        ('dilation2_groups2', (2, 4, 11), (6, 2, 3), 1, 2, 2, 2, True),
    ]
    for name, xs, ws, stride, padding, dilation, groups, bias in specs:
        def make(xs=xs, ws=ws, bias=bias):
            d = {'x': normal(xs), 'w': normal(ws, 0.5)}
            if bias:
                d['b'] = normal((ws[0],))
            return d

        def fn(x, w, b=None, stride=stride, padding=padding, dilation=dilation, groups=groups):
            return F.conv1d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
        add_case(FAM, f'conv1d_{name}', 'conv1d',
                 {'stride': stride, 'padding': padding, 'dilation': dilation, 'groups': groups}, make, fn)


def split_stack_cases():
    add_case(FAM, 'split_3x7_axis1_2_4_1', 'split', {'sizes': [2, 4, 1], 'axis': 1}, lambda: {'x': normal((3, 7))},
             lambda x: dict(zip(['out', 'part1', 'part2'], torch.split(x, [2, 4, 1], 1))))
    add_case(FAM, 'split_5x2_axis0_1_4', 'split', {'sizes': [1, 4], 'axis': 0}, lambda: {'x': normal((5, 2))},
             lambda x: dict(zip(['out', 'part1'], torch.split(x, [1, 4], 0))))
    add_case(FAM, 'stack_3of2x3_axis1', 'stack', {'axis': 1}, lambda: {'a': normal((2, 3)), 'b': normal((2, 3)), 'c': normal((2, 3))},
             lambda a, b, c: torch.stack([a, b, c], 1))
    add_case(FAM, 'stack_2of4_axis0', 'stack', {'axis': 0}, lambda: {'a': normal((4,)), 'b': normal((4,))},
             lambda a, b: torch.stack([a, b], 0))


def embedding_cases():
    def make():
        ids = torch.tensor([[1, 4, 1], [0, 4, 4]], dtype=torch.int64)  # repeated ids: the gradient sums them
        return {'ids': ids, 'table': normal((5, 3))}
    add_case(FAM, 'embedding_2x3_v5_d3_repeated', 'embedding', {}, make, lambda ids, table: F.embedding(ids, table))


def mha(x, wq, wk, wv, wo, bq, bk, bv, bo, heads, causal):
    b, t, c = x.shape
    d = c // heads

    def split(y):
        return y.reshape(b, t, heads, d).transpose(1, 2)
    q, k, v = split(x @ wq + bq), split(x @ wk + bk), split(x @ wv + bv)
    scores = q @ k.transpose(-1, -2) / math.sqrt(d)
    if causal:
        mask = torch.ones(t, t, dtype=torch.bool).tril()
        scores = scores.masked_fill(~mask, float('-inf'))
    att = torch.softmax(scores, -1) @ v
    return att.transpose(1, 2).reshape(b, t, c) @ wo + bo


def attention_cases():
    for b, t, c, heads, causal in [(2, 5, 8, 2, True), (1, 4, 6, 3, False), (2, 3, 4, 1, True)]:
        def make(b=b, t=t, c=c):
            s = 1 / math.sqrt(c)
            return {'x': normal((b, t, c)),
                    'wq': normal((c, c), s), 'wk': normal((c, c), s), 'wv': normal((c, c), s), 'wo': normal((c, c), s),
                    'bq': normal((c,), 0.1), 'bk': normal((c,), 0.1), 'bv': normal((c,), 0.1), 'bo': normal((c,), 0.1)}
        add_case(FAM, f'multiHeadSelfAttention_b{b}_t{t}_c{c}_h{heads}{"_causal" if causal else ""}',
                 'multiHeadSelfAttention', {'heads': heads, 'causal': causal}, make,
                 lambda heads=heads, causal=causal, **w: mha(heads=heads, causal=causal, **w))


def main():
    norm_cases()
    elementwise_cases()
    pooling_cases()
    conv1d_cases()
    embedding_cases()
    attention_cases()
    split_stack_cases()
    G.write_families()


if __name__ == '__main__':
    main()
