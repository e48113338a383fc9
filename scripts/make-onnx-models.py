#!/usr/bin/env python3
"""Golden ONNX models for Axon's importer (issue 14), generated once into an ignored cache.

  /usr/bin/python3 scripts/make-onnx-models.py [--out DIR]      # DIR default: node_modules/.cache/axon/onnx-models
  /usr/bin/python3 scripts/make-onnx-models.py --check FILE...  # the ONNX checker on (Axon-exported) files
  /usr/bin/python3 scripts/make-onnx-models.py --write-goldens   # also rewrite test/onnx/goldens/squeezenet1_1.grads.json (committed)

Uses Debian's python3-torch, python3-torchvision and python3-onnx; random weights (no downloads).
The models are too large for git (ResNet-18 is 45 MB), so tests look for them in the cache and
report themselves skipped when it is empty, except in CI (CI=true), where they fail: there
scripts/ensure-setup.sh (AXON_SETUP_PYTHON=1, set by .ci/run) generates them first, ~11 s.
"""
import argparse, os, sys

def check(files):
    import onnx
    for f in files:
        m = onnx.load(f)
        onnx.checker.check_model(m, full_check=True)
        print(f"{f}: ONNX checker passed (opset {m.opset_import[0].version}, {len(m.graph.node)} nodes)")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default='node_modules/.cache/axon/onnx-models')
    ap.add_argument('--check', nargs='*')
    ap.add_argument('--only', help='comma-separated model names to (re)export')
    ap.add_argument('--grads-only', action='store_true', help='only write fashion_simple_net.grads.json (the models exist)')
    ap.add_argument('--goldens', default='test/onnx/goldens', help='where the small committed gradient goldens go')
    ap.add_argument('--write-goldens', action='store_true', help='(re)write the committed SqueezeNet gradient golden too')
    a = ap.parse_args()
    if a.check is not None:
        return check(a.check)
    import torch, torch.nn as nn, torchvision
    torch.manual_seed(0)
    os.makedirs(a.out, exist_ok=True)

    class FashionSimpleNet(nn.Module):
        """lecture 003's network, as examples/fashion-simple-net.ts builds it"""
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
                nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2))
            self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
        def forward(self, x):
            return self.classifier(self.features(x))

    models = {
        'fashion_simple_net': (FashionSimpleNet(), (1, 1, 28, 28), 13, True),
        'resnet18': (torchvision.models.resnet18(), (1, 3, 224, 224), 13, False),
        'mobilenet_v2': (torchvision.models.mobilenet_v2(), (1, 3, 224, 224), 13, False),
        'squeezenet1_1': (torchvision.models.squeezenet1_1(), (1, 3, 224, 224), 13, False),
        'vit_tiny': (torchvision.models.VisionTransformer(image_size=32, patch_size=4, num_layers=2, num_heads=2, hidden_dim=64, mlp_dim=128, num_classes=10), (1, 3, 32, 32), 17, False),
    }
    # torchvision zero-initializes the ViT head, which would make every logit 0; give it random weights
    vit = models['vit_tiny'][0]
    nn.init.normal_(vit.heads.head.weight, std=0.5)
    nn.init.normal_(vit.heads.head.bias, std=0.5)
    # batch-norm statistics from a few random batches (train mode), so that activations keep their
    # scale through the random network (with the initial statistics MobileNetV2's logits are ~1e-16)
    with torch.no_grad():
        for name in ('resnet18', 'mobilenet_v2'):
            m = models[name][0]
            m.train()
            for _ in range(3):
                m(torch.randn(4, 3, 224, 224))
    for name, (m, shape, opset, dynamic_batch) in models.items():
        m.eval()
        if a.grads_only or (a.only and name not in a.only.split(',')):
            continue
        path = os.path.join(a.out, f'{name}.onnx')
        x = torch.randn(*shape)
        torch.onnx.export(m, x, path, input_names=['input'], output_names=['logits'], opset_version=opset,
                          dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}} if dynamic_batch else None)
        check([path])
    # gradients of the mean softmax cross-entropy of FashionSimpleNet (eval mode: no dropout) at a
    # fixed batch, for checking a training step of the imported model against PyTorch
    import json
    net = models['fashion_simple_net'][0]
    g = torch.Generator().manual_seed(5)
    x = torch.rand(2, 1, 28, 28, generator=g)
    y = torch.tensor([3, 7])
    net.zero_grad()
    loss = nn.functional.cross_entropy(net(x), y)
    loss.backward()
    with open(os.path.join(a.out, 'fashion_simple_net.grads.json'), 'w') as f:
        json.dump({'x': x.flatten().tolist(), 'y': y.tolist(), 'loss': loss.item(),
                   'grads': {k: p.grad.flatten().tolist() for k, p in net.named_parameters()}}, f)
    print(f'wrote {len(models)} models and fashion_simple_net.grads.json to {a.out}')
    if a.write_goldens:
        squeezenet_golden(models['squeezenet1_1'][0], os.path.join(a.out, 'squeezenet1_1.onnx'), a.goldens)

def squeezenet_golden(net, onnx_path, out_dir):
    """SqueezeNet 1.1's gradients of softmax cross-entropy at one fixed image, summarized small enough
    to commit: per ONNX initializer its weight norm (to recognize the same random weights), its
    gradient norm and a few entries. The exporter merges equal initializers (torchvision zeroes
    SqueezeNet's biases) through Identity nodes, so an initializer's gradient is the sum of the
    gradients of every PyTorch parameter it stands for."""
    import json, math, onnx, torch, torch.nn as nn
    m = onnx.load(onnx_path)
    inits = [i.name for i in m.graph.initializer]
    aliases = {n: [n] for n in inits}
    for node in m.graph.node:
        if node.op_type == 'Identity' and node.input[0] in aliases:
            aliases[node.input[0]].append(node.output[0])
    n = 3 * 224 * 224
    # the same formula in the test (f64 sine rounded to f32), so no input file is needed
    x = torch.tensor([math.sin(0.37 * i) * 0.5 for i in range(n)], dtype=torch.float32).reshape(1, 3, 224, 224)
    y = torch.tensor([417])
    net.eval()
    net.zero_grad()
    loss = nn.functional.cross_entropy(net(x), y)
    loss.backward()
    params = dict(net.named_parameters())
    out = {'model': 'squeezenet1_1', 'input': 'x[i] = f32(sin(0.37 i) * 0.5), shape [1, 3, 224, 224]', 'label': 417, 'loss': loss.item(), 'params': {}}
    for name, names in aliases.items():
        g = sum(params[k].grad.double() for k in names).flatten()
        w = params[name].detach().double().flatten()
        idx = sorted({round(j * (g.numel() - 1) / 5) for j in range(6)})
        out['params'][name] = {'size': g.numel(), 'aliases': names[1:], 'weight_norm': w.norm().item(), 'grad_norm': g.norm().item(),
                               'samples': [[j, g[j].item()] for j in idx]}
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, 'squeezenet1_1.grads.json')
    with open(path, 'w') as f:
        json.dump(out, f, indent=1)
    print(f'wrote {path} (loss {loss.item():.6f}, {len(inits)} initializers)')

if __name__ == '__main__':
    sys.exit(main())
