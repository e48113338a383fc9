#!/usr/bin/python3
"""Write PyTorch-computed golden cases for Axon's ops to test/goldens/*.json.

Run with Debian's interpreter (the only one that has torch):
    /usr/bin/python3 scripts/make-goldens.py

Every case is computed in float64. Inputs and cotangents are drawn in float32
and widened, so feeding them to Axon as Float32Array loses nothing; outputs and
grads are written with Python's repr (shortest round-trip float64, unrounded).
Each case seeds torch from a CRC of its own id, so adding or removing a case
never changes the data of another. The file format is described in
test/goldens/README.md.
"""

import json
import math
import os
import zlib

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'goldens')

FAMILIES = {}  # family name -> list of cases, in insertion order


# ---------------------------------------------------------------- input makers
# All makers draw float32 values and widen them to float64 (see module doc).

def uniform(shape, lo=-1.0, hi=1.0):
    return (torch.rand(shape, dtype=torch.float32) * (hi - lo) + lo).double()


def normal(shape, scale=1.0):
    return (torch.randn(shape, dtype=torch.float32) * scale).double()


def away_from_zero(shape, lo=0.1, hi=2.0):
    """Random sign, magnitude in [lo, hi]: keeps relu/abs/sign-like kinks out of reach."""
    magnitude = torch.rand(shape, dtype=torch.float32) * (hi - lo) + lo
    sign = torch.where(torch.rand(shape) < 0.5, -1.0, 1.0).float()
    return (magnitude * sign).double()


def distinct(shape, spacing=0.05, offset=-1.0):
    """Values that are pairwise at least `spacing` apart (no ties for max/argmax/maxPool)."""
    n = math.prod(shape)
    perm = torch.randperm(n).float()
    jitter = torch.rand(n, dtype=torch.float32) * (spacing * 0.4)
    return (perm * spacing + offset + jitter).reshape(shape).double()


def labels(shape, classes):
    return torch.randint(0, classes, shape, dtype=torch.int64)


def signs(shape):
    return torch.where(torch.rand(shape) < 0.5, -1.0, 1.0)


def probabilities(shape, lo=0.05, hi=0.95):
    return uniform(shape, lo, hi)


def f32(t):
    """Round a float64 tensor to the nearest float32 value (still float64 dtype)."""
    return t.float().double()


# ---------------------------------------------------------------- serialization

def tensor_json(t, dtype=None):
    if dtype is None:
        dtype = 'i32' if not t.is_floating_point() else 'f32'
    data = t.detach().reshape(-1).tolist()
    if dtype == 'f32':
        assert all(math.isfinite(v) for v in data), 'non-finite value in a golden'
    else:
        data = [int(v) for v in data]
        assert all(-2**31 <= v < 2**31 for v in data)
    return {'shape': list(t.shape), 'dtype': dtype, 'data': data}


def seed_for(case_id):
    torch.manual_seed(zlib.crc32(case_id.encode('utf-8')))


def add_case(family, case_id, op, attrs, make_inputs, fn, differentiable=None,
             zero_grads=False, no_grads=False):
    """Build one case.

    make_inputs() -> dict name -> tensor (float64 or int64), in Axon's argument order.
    fn(**inputs) -> tensor or dict name -> tensor; the tensor (or key 'out') is the
    differentiated output. Grads are taken w.r.t. every floating input unless
    `differentiable` names them. zero_grads: the op is piecewise constant (sign,
    step), grads are recorded as zeros. no_grads: the output is not differentiable
    (argmax): no cotangent and no grads.
    """
    seed_for(case_id)
    inputs = make_inputs()
    if differentiable is None:
        differentiable = [k for k, v in inputs.items() if v.is_floating_point()]
    leaves = {k: (v.clone().requires_grad_(k in differentiable) if v.is_floating_point() else v.clone())
              for k, v in inputs.items()}
    result = fn(**leaves)
    outputs = result if isinstance(result, dict) else {'out': result}
    primary = outputs['out']

    cotangent = None
    grads = {}
    if not no_grads:
        if primary.dim() > 0:
            cotangent = normal(tuple(primary.shape))
        if zero_grads:
            grads = {k: torch.zeros_like(inputs[k]) for k in differentiable}
        else:
            seed = cotangent if cotangent is not None else torch.ones_like(primary)
            computed = torch.autograd.grad(primary, [leaves[k] for k in differentiable],
                                           grad_outputs=seed, allow_unused=True)
            grads = {k: (g if g is not None else torch.zeros_like(inputs[k]))
                     for k, g in zip(differentiable, computed)}

    out_json = {}
    for name, t in outputs.items():
        dtype = 'f32' if t.is_floating_point() else 'i32'
        out_json[name] = tensor_json(t, dtype)
    case = {
        'id': case_id,
        'op': op,
        'attrs': attrs,
        'inputs': {k: tensor_json(v) for k, v in inputs.items()},
        'cotangent': None if cotangent is None else {'shape': list(cotangent.shape),
                                                     'data': cotangent.reshape(-1).tolist()},
        'outputs': out_json,
        'grads': {k: {'shape': list(g.shape), 'data': g.detach().reshape(-1).tolist()}
                  for k, g in grads.items()},
    }
    FAMILIES.setdefault(family, []).append(case)


# ---------------------------------------------------------------- elementwise

def unary_cases():
    fam = 'elementwise'
    shapes = [(3, 4), (2, 3, 4)]
    specs = [
        # op, attrs, input maker, torch function
        ('neg', {}, normal, lambda x: -x),
        ('exp', {}, lambda s: uniform(s, -2, 2), torch.exp),
        ('log', {}, lambda s: uniform(s, 0.2, 3), torch.log),
        ('sqrt', {}, lambda s: uniform(s, 0.2, 3), torch.sqrt),
        ('abs', {}, away_from_zero, torch.abs),
        ('sigmoid', {}, lambda s: uniform(s, -4, 4), torch.sigmoid),
        ('tanh', {}, lambda s: uniform(s, -3, 3), torch.tanh),
        ('relu', {}, away_from_zero, F.relu),
        ('leakyRelu', {'alpha': 0.01}, away_from_zero, lambda x: F.leaky_relu(x, 0.01)),
        ('leakyRelu', {'alpha': 0.2}, away_from_zero, lambda x: F.leaky_relu(x, 0.2)),
        ('elu', {'alpha': 1.0}, away_from_zero, lambda x: F.elu(x, 1.0)),
        ('elu', {'alpha': 0.5}, away_from_zero, lambda x: F.elu(x, 0.5)),
        ('softplus', {}, lambda s: uniform(s, -5, 5), lambda x: F.softplus(x, beta=1)),
    ]
    for op, attrs, make, fn in specs:
        for shape in shapes:
            suffix = '_'.join(f'{k}{v}' for k, v in attrs.items())
            case_id = f'{op}{"_" + suffix if suffix else ""}_{"x".join(map(str, shape))}'
            add_case(fam, case_id, op, attrs, lambda make=make, shape=shape: {'x': make(shape)},
                     lambda x, fn=fn: fn(x))
    # Piecewise-constant ops: forward only, grads are zero everywhere (inputs avoid 0).
    for shape in shapes:
        dims = 'x'.join(map(str, shape))
        add_case(fam, f'sign_{dims}', 'sign', {}, lambda shape=shape: {'x': away_from_zero(shape)},
                 lambda x: torch.sign(x), zero_grads=True)
        add_case(fam, f'step_{dims}', 'step', {}, lambda shape=shape: {'x': away_from_zero(shape)},
                 lambda x: (x > 0).double(), zero_grads=True)


def separated_pair(shape_a, shape_b, margin=0.05):
    """a, b with |a - b| >= margin for every broadcast pair (no ties for maximum/minimum)."""
    while True:
        a, b = uniform(shape_a, -2, 2), uniform(shape_b, -2, 2)
        if (a - b).abs().min() >= margin:
            return a, b


def binary_cases():
    fam = 'elementwise'
    shape_pairs = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((2, 3), ()), ((), (2, 3)),
                   ((4,), (3, 1))]
    specs = [
        ('add', lambda sa, sb: (normal(sa), normal(sb)), torch.add),
        ('sub', lambda sa, sb: (normal(sa), normal(sb)), torch.sub),
        ('mul', lambda sa, sb: (normal(sa), normal(sb)), torch.mul),
        ('div', lambda sa, sb: (normal(sa), away_from_zero(sb, 0.5, 2.0)), torch.div),
        ('maximum', separated_pair, torch.maximum),
        ('minimum', separated_pair, torch.minimum),
        ('pow', lambda sa, sb: (uniform(sa, 0.5, 2.0), uniform(sb, -2, 2)), torch.pow),
    ]
    for op, make, fn in specs:
        for sa, sb in shape_pairs:
            name = lambda s: 'x'.join(map(str, s)) if s else 'scalar'
            case_id = f'{op}_{name(sa)}_{name(sb)}'

            def make_inputs(make=make, sa=sa, sb=sb):
                a, b = make(sa, sb)
                return {'a': a, 'b': b}
            add_case(fam, case_id, op, {}, make_inputs, lambda a, b, fn=fn: fn(a, b))


# ---------------------------------------------------------------- softmax

def softmax_cases():
    fam = 'softmax'
    for op, fn in [('softmax', F.softmax), ('logSoftmax', F.log_softmax)]:
        for shape, axis in [((3, 5), 1), ((3, 5), 0), ((2, 3, 4), 2), ((2, 3, 4), 1), ((6,), 0)]:
            case_id = f'{op}_{"x".join(map(str, shape))}_axis{axis}'
            add_case(fam, case_id, op, {'axis': axis}, lambda shape=shape: {'x': normal(shape, 2.0)},
                     lambda x, fn=fn, axis=axis: fn(x, dim=axis))


# ---------------------------------------------------------------- reductions

def reduction_cases():
    fam = 'reductions'
    configs = [((3, 4), [0, 1], False), ((3, 4), [1], False), ((3, 4), [0], True),
               ((2, 3, 4), [0, 2], False), ((2, 3, 4), [1], True), ((2, 3, 4), [0, 1, 2], True),
               ((5,), [0], False)]
    specs = [
        ('sum', normal, lambda x, axes, keep: torch.sum(x, dim=axes, keepdim=keep)),
        ('mean', normal, lambda x, axes, keep: torch.mean(x, dim=axes, keepdim=keep)),
        ('max', distinct, lambda x, axes, keep: torch.amax(x, dim=axes, keepdim=keep)),
    ]
    for op, make, fn in specs:
        for shape, axes, keep in configs:
            case_id = f'{op}_{"x".join(map(str, shape))}_axes{"".join(map(str, axes))}_keep{int(keep)}'
            add_case(fam, case_id, op, {'axes': axes, 'keepDims': keep},
                     lambda make=make, shape=shape: {'x': make(shape)},
                     lambda x, fn=fn, axes=axes, keep=keep: fn(x, axes, keep))
    for shape, axis in [((3, 4), 1), ((3, 4), 0), ((2, 3, 4), 2), ((2, 3, 4), 1), ((7,), 0)]:
        case_id = f'argmax_{"x".join(map(str, shape))}_axis{axis}'
        add_case(fam, case_id, 'argmax', {'axis': axis}, lambda shape=shape: {'x': distinct(shape)},
                 lambda x, axis=axis: torch.argmax(x, dim=axis), no_grads=True)


# ---------------------------------------------------------------- movement

def movement_cases():
    fam = 'movement'
    for src, dst in [((2, 3, 4), (6, 4)), ((4, 6), (2, 2, 6)), ((2, 3), (6,)), ((6,), (3, 2))]:
        case_id = f'reshape_{"x".join(map(str, src))}_to_{"x".join(map(str, dst))}'
        add_case(fam, case_id, 'reshape', {'shape': list(dst)}, lambda src=src: {'x': normal(src)},
                 lambda x, dst=dst: x.reshape(dst))
    for shape, perm in [((3, 4), [1, 0]), ((2, 3, 4), [2, 0, 1]), ((2, 3, 4), [0, 2, 1]),
                        ((2, 3, 2, 2), [0, 2, 3, 1])]:
        case_id = f'transpose_{"x".join(map(str, shape))}_perm{"".join(map(str, perm))}'
        add_case(fam, case_id, 'transpose', {'perm': perm}, lambda shape=shape: {'x': normal(shape)},
                 lambda x, perm=perm: x.permute(perm))
    for shape in [(2, 3, 2, 2), (3, 2, 4), (4, 5)]:
        case_id = f'flatten_{"x".join(map(str, shape))}'
        add_case(fam, case_id, 'flatten', {}, lambda shape=shape: {'x': normal(shape)},
                 lambda x: torch.flatten(x, start_dim=1))


# ---------------------------------------------------------------- matmul / dense

def matmul_cases():
    fam = 'matmul'
    for sa, sb in [((3, 4), (4, 5)), ((1, 6), (6, 1)), ((2, 3, 4), (2, 4, 5))]:
        case_id = f'matmul_{"x".join(map(str, sa))}_{"x".join(map(str, sb))}'
        add_case(fam, case_id, 'matmul', {}, lambda sa=sa, sb=sb: {'a': normal(sa), 'b': normal(sb)},
                 lambda a, b: torch.matmul(a, b))
    for batch, fan_in, fan_out, bias in [(4, 3, 5, True), (4, 3, 5, False), (1, 8, 2, True)]:
        case_id = f'dense_{batch}x{fan_in}_to_{fan_out}_bias{int(bias)}'

        def make(batch=batch, fan_in=fan_in, fan_out=fan_out, bias=bias):
            inputs = {'x': normal((batch, fan_in)), 'w': normal((fan_in, fan_out), 0.5)}
            if bias:
                inputs['b'] = normal((fan_out,), 0.1)
            return inputs
        add_case(fam, case_id, 'dense', {'bias': bias}, make,
                 lambda x, w, b=None: x @ w + b if b is not None else x @ w)


# ---------------------------------------------------------------- convolution

def conv2d_cases():
    fam = 'conv'
    # id, x shape, w shape, bias, stride, padding, dilation, groups
    configs = [
        ('basic', (2, 3, 6, 6), (4, 3, 3, 3), True, [1, 1], [0, 0], [1, 1], 1),
        ('stride2_pad1', (2, 3, 7, 7), (4, 3, 3, 3), True, [2, 2], [1, 1], [1, 1], 1),
        ('same_3x3', (1, 2, 5, 6), (3, 2, 3, 3), True, [1, 1], 'same', [1, 1], 1),
        ('same_2x2_asymmetric', (1, 2, 5, 5), (3, 2, 2, 2), True, [1, 1], 'same', [1, 1], 1),
        ('same_dilation2', (1, 2, 6, 6), (2, 2, 3, 3), False, [1, 1], 'same', [2, 2], 1),
        ('valid', (1, 2, 6, 5), (3, 2, 3, 2), True, [1, 1], 'valid', [1, 1], 1),
        ('dilation2', (1, 2, 7, 7), (3, 2, 3, 3), True, [1, 1], [0, 0], [2, 2], 1),
        ('groups2', (1, 4, 5, 5), (6, 2, 3, 3), True, [1, 1], [1, 1], [1, 1], 2),
        ('depthwise', (1, 3, 5, 5), (3, 1, 3, 3), False, [1, 1], [1, 1], [1, 1], 3),
        ('nonsquare', (1, 2, 7, 6), (3, 2, 3, 2), True, [2, 1], [1, 0], [1, 1], 1),
        ('nobias_1x1', (2, 3, 4, 4), (5, 3, 1, 1), False, [1, 1], [0, 0], [1, 1], 1),
        ('fashion_1to4_3x3_pad1', (2, 1, 10, 10), (4, 1, 3, 3), True, [1, 1], [1, 1], [1, 1], 1),
    ]
    for name, xs, ws, bias, stride, padding, dilation, groups in configs:
        def make(xs=xs, ws=ws, bias=bias):
            inputs = {'x': normal(xs), 'w': normal(ws, 0.5)}
            if bias:
                inputs['b'] = normal((ws[0],), 0.1)
            return inputs

        def fn(x, w, b=None, stride=stride, padding=padding, dilation=dilation, groups=groups):
            pad = padding if isinstance(padding, str) else tuple(padding)
            return F.conv2d(x, w, b, stride=tuple(stride), padding=pad, dilation=tuple(dilation),
                            groups=groups)
        attrs = {'stride': stride, 'padding': padding, 'dilation': dilation, 'groups': groups}
        add_case(fam, f'conv2d_{name}', 'conv2d', attrs, make, fn)


def conv_transpose2d_cases():
    fam = 'conv'
    # id, x shape, w shape [C, O/groups, KH, KW], bias, stride, padding, outputPadding, dilation, groups
    configs = [
        ('basic', (2, 3, 4, 4), (3, 2, 3, 3), True, [1, 1], [0, 0], [0, 0], [1, 1], 1),
        ('stride2_pad1_outpad1', (1, 3, 4, 4), (3, 2, 3, 3), True, [2, 2], [1, 1], [1, 1], [1, 1], 1),
        ('stride2_k2', (1, 2, 3, 3), (2, 3, 2, 2), False, [2, 2], [0, 0], [0, 0], [1, 1], 1),
        ('dilation2', (1, 2, 4, 4), (2, 2, 3, 3), True, [1, 1], [1, 1], [0, 0], [2, 2], 1),
        ('groups2', (1, 4, 3, 3), (4, 3, 3, 3), True, [1, 1], [0, 0], [0, 0], [1, 1], 2),
        ('nonsquare', (1, 2, 3, 4), (2, 3, 3, 2), True, [2, 1], [1, 0], [1, 0], [1, 1], 1),
    ]
    for name, xs, ws, bias, stride, padding, out_pad, dilation, groups in configs:
        def make(xs=xs, ws=ws, bias=bias, groups=groups):
            inputs = {'x': normal(xs), 'w': normal(ws, 0.5)}
            if bias:
                inputs['b'] = normal((ws[1] * groups,), 0.1)
            return inputs

        def fn(x, w, b=None, stride=stride, padding=padding, out_pad=out_pad, dilation=dilation,
               groups=groups):
            return F.conv_transpose2d(x, w, b, stride=tuple(stride), padding=tuple(padding),
                                      output_padding=tuple(out_pad), groups=groups,
                                      dilation=tuple(dilation))
        attrs = {'stride': stride, 'padding': padding, 'outputPadding': out_pad, 'dilation': dilation,
                 'groups': groups}
        add_case(fam, f'convTranspose2d_{name}', 'convTranspose2d', attrs, make, fn)


# ---------------------------------------------------------------- pooling

def pool_cases():
    fam = 'pool'
    # id, x shape, kernel, stride, padding
    configs = [
        ('k2s2', (2, 2, 6, 6), [2, 2], [2, 2], [0, 0]),
        ('k3s2p1_overlap', (1, 2, 7, 7), [3, 3], [2, 2], [1, 1]),
        ('k3s1p1', (1, 2, 5, 5), [3, 3], [1, 1], [1, 1]),
        ('k2s2_odd_floor', (1, 1, 7, 5), [2, 2], [2, 2], [0, 0]),
        ('nonsquare', (1, 2, 6, 7), [3, 2], [2, 1], [1, 0]),
    ]
    for name, xs, kernel, stride, padding in configs:
        attrs = {'kernel': kernel, 'stride': stride, 'padding': padding}
        add_case(fam, f'maxPool2d_{name}', 'maxPool2d', attrs, lambda xs=xs: {'x': distinct(xs)},
                 lambda x, k=kernel, s=stride, p=padding: F.max_pool2d(x, tuple(k), tuple(s), tuple(p)))
        add_case(fam, f'avgPool2d_{name}', 'avgPool2d', attrs, lambda xs=xs: {'x': normal(xs)},
                 lambda x, k=kernel, s=stride, p=padding: F.avg_pool2d(
                     x, tuple(k), tuple(s), tuple(p), count_include_pad=True))


# ---------------------------------------------------------------- losses

def hinge_inputs(shape, margin=0.05):
    """Scores s and labels y in {-1, +1} with |1 - y*s| >= margin (away from the hinge's kink)."""
    while True:
        s, y = normal(shape, 1.5), signs(shape)
        if (1 - y * s).abs().min() >= margin:
            return {'scores': s, 'y': y}


def loss_cases():
    fam = 'losses'
    for shape in [(4, 3), (6,)]:
        dims = 'x'.join(map(str, shape))
        add_case(fam, f'squaredError_{dims}', 'squaredError', {},
                 lambda shape=shape: {'o': normal(shape), 't': normal(shape)},
                 lambda o, t: 0.5 * ((t - o) ** 2).sum())
        add_case(fam, f'mse_{dims}', 'mse', {},
                 lambda shape=shape: {'o': normal(shape), 't': normal(shape)},
                 lambda o, t: F.mse_loss(o, t))
        add_case(fam, f'binaryCrossEntropy_{dims}_hardTargets', 'binaryCrossEntropy', {},
                 lambda shape=shape: {'p': probabilities(shape), 't': (torch.rand(shape) < 0.5).double()},
                 lambda p, t: F.binary_cross_entropy(p, t))
        add_case(fam, f'binaryCrossEntropy_{dims}_softTargets', 'binaryCrossEntropy', {},
                 lambda shape=shape: {'p': probabilities(shape), 't': uniform(shape, 0, 1)},
                 lambda p, t: F.binary_cross_entropy(p, t))
        add_case(fam, f'binaryCrossEntropyWithLogits_{dims}', 'binaryCrossEntropyWithLogits', {},
                 lambda shape=shape: {'z': normal(shape, 2.0), 't': uniform(shape, 0, 1)},
                 lambda z, t: F.binary_cross_entropy_with_logits(z, t))
        add_case(fam, f'hinge_{dims}', 'hinge', {}, lambda shape=shape: hinge_inputs(shape),
                 lambda scores, y: torch.clamp(1 - y * scores, min=0).mean())
        add_case(fam, f'diceLoss_{dims}', 'diceLoss', {},
                 lambda shape=shape: {'p': uniform(shape, 0, 1), 't': (torch.rand(shape) < 0.5).double()},
                 lambda p, t: 1 - (2 * (p * t).sum() + 1) / (p.sum() + t.sum() + 1))
    for batch, classes in [(4, 3), (5, 6), (1, 4)]:
        dims = f'{batch}x{classes}'
        add_case(fam, f'softmaxCrossEntropy_{dims}', 'softmaxCrossEntropy', {},
                 lambda b=batch, k=classes: {'logits': normal((b, k), 2.0), 'labels': labels((b,), k)},
                 lambda logits, labels: F.cross_entropy(logits, labels))
        add_case(fam, f'nllLoss_{dims}', 'nllLoss', {},
                 lambda b=batch, k=classes: {'logProbs': f32(F.log_softmax(normal((b, k), 2.0), dim=1)),
                                             'labels': labels((b,), k)},
                 lambda logProbs, labels: F.nll_loss(logProbs, labels))
        add_case(fam, f'klDivergence_{dims}', 'klDivergence', {},
                 lambda b=batch, k=classes: {'logQ': f32(F.log_softmax(normal((b, k), 2.0), dim=1)),
                                             'p': f32(F.softmax(normal((b, k)), dim=1))},
                 lambda logQ, p: F.kl_div(logQ, p, reduction='batchmean'))


def logistic_regression_cases():
    fam = 'objectives'
    for n, d, c in [(6, 3, 1.0), (8, 4, 0.5)]:
        def make(n=n, d=d):
            return {'w': normal((d,)), 'b': normal(()), 'x': normal((n, d)), 'y': signs((n,))}

        def fn(w, b, x, y, c=c):
            margins = y * (x @ w + b)
            return 0.5 * (w * w).sum() + c * F.softplus(-margins).sum()
        add_case(fam, f'logisticRegression_n{n}_d{d}_C{c}', 'logisticRegression', {'C': c}, make, fn,
                 differentiable=['w', 'b'])


# ---------------------------------------------------------------- batch norm

def batch_norm_cases():
    fam = 'norm'
    momentum, eps = 0.1, 1e-5
    for shape in [(6, 3), (2, 3, 3, 3)]:
        for training in [True, False]:
            channels = shape[1]
            dims = 'x'.join(map(str, shape))

            def make(shape=shape, channels=channels):
                return {'x': f32(normal(shape, 2.0) + 0.5), 'gamma': uniform((channels,), 0.5, 1.5),
                        'beta': normal((channels,), 0.5), 'runningMean': normal((channels,), 0.2),
                        'runningVar': uniform((channels,), 0.5, 1.5)}

            def fn(x, gamma, beta, runningMean, runningVar, training=training):
                # F.batch_norm updates the running buffers in place; hand it copies.
                rm, rv = runningMean.detach().clone(), runningVar.detach().clone()
                y = F.batch_norm(x, rm, rv, gamma, beta, training=training, momentum=momentum, eps=eps)
                return {'out': y, 'runningMean': rm, 'runningVar': rv} if training else {'out': y}
            attrs = {'training': training, 'momentum': momentum, 'eps': eps}
            add_case(fam, f'batchNorm_{dims}_{"train" if training else "eval"}', 'batchNorm', attrs,
                     make, fn, differentiable=['x', 'gamma', 'beta'])


# ---------------------------------------------------------------- optimizers

OPTIMIZERS = [
    # id, axon op, attrs, torch optimizer factory
    ('sgd', 'sgd', {'lr': 0.1}, lambda p: torch.optim.SGD(p, lr=0.1)),
    ('sgd_weightDecay', 'sgd', {'lr': 0.1, 'weightDecay': 0.05},
     lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.05)),
    ('momentum', 'momentum', {'lr': 0.1, 'momentum': 0.9},
     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    ('nesterov', 'nesterov', {'lr': 0.1, 'momentum': 0.9},
     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)),
    ('adagrad', 'adagrad', {'lr': 0.5, 'eps': 1e-10},
     lambda p: torch.optim.Adagrad(p, lr=0.5, eps=1e-10)),
    ('adam', 'adam', {'lr': 0.1, 'beta1': 0.9, 'beta2': 0.999, 'eps': 1e-8},
     lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.9, 0.999), eps=1e-8)),
    ('adamw', 'adamw', {'lr': 0.1, 'beta1': 0.9, 'beta2': 0.999, 'eps': 1e-8, 'weightDecay': 0.1},
     lambda p: torch.optim.AdamW(p, lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)),
]
OPTIM_STEPS = 3


def optimizer_cases():
    """Each case: minimise L(w) = ½Σ(a⊙w − b)² from a fixed w for OPTIM_STEPS steps."""
    for case_id, op, attrs, factory in OPTIMIZERS:
        seed_for('optim')  # same problem for every optimizer, so cases are comparable
        w0, a, b = normal((5,)), uniform((5,), 0.5, 1.5), normal((5,))
        w = w0.clone().requires_grad_(True)
        opt = factory([w])
        grads, params, losses = [], [], []
        for _ in range(OPTIM_STEPS):
            opt.zero_grad()
            loss = 0.5 * ((a * w - b) ** 2).sum()
            loss.backward()
            losses.append(loss.item())
            grads.append(w.grad.detach().clone())
            opt.step()
            params.append(w.detach().clone())
        FAMILIES.setdefault('optim', []).append({
            'id': f'optim_{case_id}',
            'op': op,
            'attrs': {**attrs, 'steps': OPTIM_STEPS},
            'inputs': {'w': tensor_json(w0), 'a': tensor_json(a), 'b': tensor_json(b)},
            'cotangent': None,
            'outputs': {'losses': tensor_json(torch.tensor(losses)),
                        'gradients': tensor_json(torch.stack(grads)),
                        'params': tensor_json(torch.stack(params))},
            'grads': {},
        })


# ---------------------------------------------------------------- new primitives (issue 12)
# Odd sizes (1, 3, 17, 33, 130) on purpose: SIMD tails, masks at edges, one-element axes.

def dims(shape):
    return 'x'.join(map(str, shape)) if shape else 'scalar'


def off_grid(shape, lo=-3.0, hi=3.0, margin=0.1, period=1.0):
    """Values at least `margin` from every multiple of `period` (floor/ceil/round kinks)."""
    n = math.prod(shape)
    k = torch.randint(int(lo), int(hi), (n,)).float()
    frac = torch.rand(n, dtype=torch.float32) * (period - 2 * margin) + margin
    return (k * period + frac).reshape(shape).double()


def math_cases():
    fam = 'math'
    for op, make, fn in [
        ('erf', lambda s: uniform(s, -3, 3), torch.erf),
        ('sin', lambda s: uniform(s, -4, 4), torch.sin),
        ('cos', lambda s: uniform(s, -4, 4), torch.cos),
    ]:
        for shape in [(3, 17), (130,), (1,)]:
            add_case(fam, f'{op}_{dims(shape)}', op, {}, lambda make=make, shape=shape: {'x': make(shape)},
                     lambda x, fn=fn: fn(x))
    # piecewise constant: away from the jumps, with zero grads
    for op, fn, period in [('floor', torch.floor, 1.0), ('ceil', torch.ceil, 1.0), ('round', torch.round, 1.0)]:
        for shape in [(3, 17), (33,)]:
            # round jumps at k + 0.5: shift the grid by half a period for it
            shift = 0.5 if op == 'round' else 0.0
            add_case(fam, f'{op}_{dims(shape)}', op, {},
                     lambda shape=shape, shift=shift: {'x': f32(off_grid(shape) + shift)},
                     lambda x, fn=fn: fn(x), zero_grads=True)
    # round half to even on exact halves (and integers): forward only
    add_case(fam, 'round_halves_17', 'round', {},
             lambda: {'x': f32(torch.tensor([-4.5, -3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 4.5, -2.0, 0.0, 3.0,
                                             0.49999997, -0.50000006, 4194304.5, -7.25]))},
             lambda x: torch.round(x), no_grads=True)

    def mod_inputs(sa, sb):
        while True:
            a = normal(sa, 3.0)
            b = away_from_zero(sb, 0.5, 2.0)
            q = a / b
            frac = q - torch.floor(q)
            if ((frac > 0.05) & (frac < 0.95)).all():
                return {'a': a, 'b': b}
    for sa, sb in [((3, 17), (3, 17)), ((33,), ()), ((2, 3), (3,))]:
        add_case(fam, f'mod_{dims(sa)}_{dims(sb)}', 'mod', {}, lambda sa=sa, sb=sb: mod_inputs(sa, sb),
                 lambda a, b: torch.remainder(a, b))
    # comparisons: small integers so that ties occur
    for op, fn in [('lessEqual', torch.le), ('greaterEqual', torch.ge), ('notEqual', torch.ne)]:
        for sa, sb in [((3, 17), (3, 17)), ((3, 17), (17,))]:
            add_case(fam, f'{op}_{dims(sa)}_{dims(sb)}', op, {},
                     lambda sa=sa, sb=sb: {'a': torch.randint(-2, 3, sa).double(), 'b': torch.randint(-2, 3, sb).double()},
                     lambda a, b, fn=fn: fn(a, b).double(), no_grads=True)
    for shape, axes, keep in [((3, 17), [1], False), ((2, 3, 5), [0, 2], True), ((130,), [0], False), ((1, 3), [0], False)]:
        add_case(fam, f'min_{dims(shape)}_axes{"".join(map(str, axes))}_keep{int(keep)}', 'min',
                 {'axes': axes, 'keepDims': keep}, lambda shape=shape: {'x': distinct(shape)},
                 lambda x, axes=axes, keep=keep: torch.amin(x, dim=axes, keepdim=keep))
    # batched matmul with broadcasting batch dims and transposed operands
    for sa, sb, ta, tb in [((2, 1, 3, 4), (3, 4, 5), False, False), ((3, 4), (2, 4, 5), False, False),
                           ((2, 4, 3), (2, 5, 4), True, True), ((3, 17), (5, 17), False, True),
                           ((1, 33, 3), (1, 33, 1), True, False)]:
        def mm(a, b, ta=ta, tb=tb):
            return torch.matmul(a.transpose(-1, -2) if ta else a, b.transpose(-1, -2) if tb else b)
        add_case(fam, f'batchedMatmul_{dims(sa)}_{dims(sb)}_t{int(ta)}{int(tb)}', 'batchedMatmul',
                 {'transposeA': ta, 'transposeB': tb}, lambda sa=sa, sb=sb: {'a': normal(sa), 'b': normal(sb)}, mm)


def python_slice(x, ranges):
    """x[ranges] with Python semantics per axis (negative steps included) via index_select."""
    for d, r in enumerate(ranges):
        if r is None:
            continue
        n = x.shape[d]
        idx = list(range(n))[slice(*r)]
        x = torch.index_select(x, d, torch.tensor(idx, dtype=torch.int64))
    return x


def indexing_cases():
    fam = 'indexing'
    for shape, widths, value in [((3, 17), [[1, 2], [0, 3]], 0.0), ((2, 3, 4), [[0, 0], [2, 1], [1, 1]], 1.5),
                                 ((1,), [[3, 2]], -1.0), ((33,), [[0, 1]], 0.0)]:
        def pad(x, widths=widths, value=value):
            flat = [p for pair in reversed(widths) for p in pair]  # F.pad: last axis first
            return F.pad(x, flat, value=value)
        add_case(fam, f'pad_{dims(shape)}_{"_".join(f"{a}{b}" for a, b in widths)}', 'pad',
                 {'widths': widths, 'value': value}, lambda shape=shape: {'x': normal(shape)}, pad)
    for shape, widths, mode in [((3, 17), [[1, 2], [3, 0]], 'edge'), ((2, 5), [[0, 0], [4, 2]], 'reflect'),
                                ((1, 3), [[2, 1], [2, 2]], 'edge'), ((33,), [[1, 32]], 'reflect')]:
        def pad_mode(x, widths=widths, mode=mode):
            torch_mode = 'replicate' if mode == 'edge' else 'reflect'
            # one axis at a time, as [N, 1, L] signals (F.pad's replicate/reflect pad the last dims)
            y = x
            for d in range(len(widths)):
                b, a = widths[d]
                if b == 0 and a == 0:
                    continue
                moved = y.movedim(d, -1)
                z = F.pad(moved.reshape(-1, 1, moved.shape[-1]), [b, a], mode=torch_mode)
                y = z.reshape(list(moved.shape[:-1]) + [z.shape[-1]]).movedim(-1, d)
            return y
        add_case(fam, f'padMode_{mode}_{dims(shape)}_{"_".join(f"{a}{b}" for a, b in widths)}', 'padMode',
                 {'widths': widths, 'mode': mode}, lambda shape=shape: {'x': normal(shape)}, pad_mode)
    for shape, ranges in [((17,), [[2, 15, 3]]), ((3, 17), [[None, None, -1], [16, 0, -2]]),
                          ((5, 33), [[1, 4, None], [-5, None, None]]), ((130,), [[-1, None, -7]]),
                          ((2, 3, 4), [None, [1, 2, None], [3, None, -2]]), ((1, 3), [[None, None, -1], [None, None, 2]])]:
        tag = '_'.join('all' if r is None else ':'.join('' if v is None else str(v) for v in r) for r in ranges)
        add_case(fam, f'slice_{dims(shape)}_{tag}', 'slice', {'ranges': ranges},
                 lambda shape=shape: {'x': normal(shape)}, lambda x, ranges=ranges: python_slice(x, ranges))
    for shape, axes in [((3, 17), [0, 1]), ((130,), [0]), ((2, 3, 4), [1])]:
        add_case(fam, f'flip_{dims(shape)}_axes{"".join(map(str, axes))}', 'flip', {'axes': axes},
                 lambda shape=shape: {'x': normal(shape)}, lambda x, axes=axes: torch.flip(x, axes))
    for shapes, axis in [([(3, 4), (3, 1), (3, 17)], 1), ([(1, 5), (2, 5)], 0), ([(2, 3, 2), (2, 3, 3)], 2)]:
        names = 'abc'[:len(shapes)]
        add_case(fam, f'concat_{"_".join(dims(s) for s in shapes)}_axis{axis}', 'concat', {'axis': axis},
                 lambda shapes=shapes, names=names: {n: normal(s) for n, s in zip(names, shapes)},
                 lambda axis=axis, **ins: torch.cat([ins[n] for n in sorted(ins)], dim=axis))
    for shape, idx, axis in [((7, 5), [6, 0, 6, 2], 0), ((3, 17), [[16, 0, 3], [3, 3, 9]], 1),
                             ((130,), None, 0), ((1, 3), [0, 0, 0], 0)]:
        def make(shape=shape, idx=idx, axis=axis):
            ids = torch.tensor(idx) if idx is not None else torch.randint(0, shape[axis], (33,))
            return {'x': normal(shape), 'indices': ids}

        def gather(x, indices, axis=axis):
            rows = torch.index_select(x, axis, indices.reshape(-1))
            return rows.reshape(tuple(x.shape[:axis]) + tuple(indices.shape) + tuple(x.shape[axis + 1:]))
        add_case(fam, f'gather_{dims(shape)}_{"x".join(map(str, torch.tensor(idx).shape)) if idx is not None else "33"}_axis{axis}',
                 'gather', {'axis': axis}, make, gather)
    for ushape, idx, axis, size in [((6, 3), [2, 0, 2, 3, 0, 2], 0, 4), ((2, 5, 3), [6, 1, 1, 0, 6], 1, 7),
                                    ((33, 1), None, 0, 17)]:
        def make(ushape=ushape, idx=idx, size=size):
            ids = torch.tensor(idx) if idx is not None else torch.randint(0, size, (ushape[0],))
            return {'updates': normal(ushape), 'indices': ids}

        def scatter(updates, indices, axis=axis, size=size):
            shape = list(updates.shape)
            shape[axis] = size
            return torch.zeros(shape).index_add(axis, indices, updates)
        add_case(fam, f'scatterAdd_{dims(ushape)}_axis{axis}_size{size}', 'scatterAdd', {'axis': axis, 'size': size},
                 make, scatter)


# ---------------------------------------------------------------- main

def write_families():
    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    for family, cases in FAMILIES.items():
        path = os.path.join(OUT_DIR, f'{family}.json')
        # One case per line: diffs stay readable, and Python's float repr keeps full float64.
        body = '[\n' + ',\n'.join(json.dumps(c, allow_nan=False) for c in cases) + '\n]\n'
        with open(path, 'w') as f:
            f.write(body)
        total += len(body)
        print(f'{family}.json: {len(cases)} cases, {len(body)} bytes')
    print(f'total: {sum(len(c) for c in FAMILIES.values())} cases, {total} bytes (torch {torch.__version__})')


def main():
    unary_cases()
    binary_cases()
    softmax_cases()
    reduction_cases()
    movement_cases()
    matmul_cases()
    conv2d_cases()
    conv_transpose2d_cases()
    pool_cases()
    loss_cases()
    logistic_regression_cases()
    batch_norm_cases()
    optimizer_cases()
    math_cases()
    indexing_cases()
    ids = [c['id'] for cases in FAMILIES.values() for c in cases]
    assert len(ids) == len(set(ids)), 'duplicate case ids'
    write_families()


if __name__ == '__main__':
    main()
