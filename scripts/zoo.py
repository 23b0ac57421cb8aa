#!/usr/bin/python3
"""`npm run zoo`: camscope against PyTorch on random-init torchvision architectures (not part of `npm test`).

Needs Debian's python3-torch and python3-torchvision (run with /usr/bin/python3; the `python3` on PATH lacks them).

For each architecture:
  1. build the torchvision model with random weights (torch.manual_seed(SEED), eval mode, BatchNorm running statistics
     randomized as in bench/pytorch_scorecampp.py; an all-zero initialized Linear head, ViT's, is re-drawn so the
     logits are not all zero), export it to ONNX (opset 17, dynamic batch, input `input`, output `logits`) into
     .zoo-cache/<arch>/model.onnx (reused while the file exists);
  2. find the ONNX tensor of the conventional target layer (pytorch-grad-cam's documented choices, e.g. ResNet
     layer4[-1], VGG features[-1], DenseNet features[-1], ViT blocks[-1].norm1, Swin layers[-1].blocks[-1].norm1):
     the output of the last node inside that module's export scope (torch 1.13 names nodes
     /features/features.7/features.7.1/norm1/LayerNormalization); it is checked by comparing camscope's activations
     with the module's output;
  3. one image (a cats-and-dogs photo from ../shared when present, else a smooth synthetic image), torchvision
     preprocessing Resize(S) + CenterCrop(S) + ToTensor + ImageNet Normalize; the same float32 tensor goes to both;
  4. PyTorch reference maps of the same definitions as camscope (README "Methods — exact semantics"): the gradient
     methods as pytorch-grad-cam computes them (weights from A and dy_c/dA of the raw logit, ReLU, min-max with 1e-7,
     bilinear resize to the input, min-max again) in float64 from PyTorch's float32 A and G; Score-CAM (official:
     H_k = minmax(up_k), constant channels skipped) and ScoreCAM++ (authors' ScoreCAM_both with tanh, all-zero channels
     skipped) with softmax scores of float32 forward passes. The class explained is PyTorch's prediction;
  5. camscope (bench/zoo.ts through the engine's own methods) on the same tensor and class;
  6. prints max |camscope − PyTorch| of the final [0,1] maps, per architecture and method, and the times.

A hook on the target module captures its output and hands a clone downstream, so the reference explains the value
the module produced even where the network later modifies it in place (DenseNet's F.relu(inplace=True) after
features.norm5): that value is the ONNX tensor camscope explains. `--densenet-hooks` additionally reproduces
pytorch-grad-cam's own hook mechanics there (see README "Verified architectures").

Augmented Grad-CAM++ is excluded: its augmentations are drawn from camscope's own seeded generator and applied with
its own resampling, so a PyTorch run cannot draw the same transforms; it is Grad-CAM++ (verified here) averaged over
transformed inputs, and its geometry is tested in the unit tests.

    /usr/bin/python3 scripts/zoo.py [--arch resnet50,vit_b_16] [--methods gradcam,scorecam]
                                    [--score-channels N] [--threads 2] [--out bench/results/zoo-DATE.txt]

--score-channels N: ScoreCAM and ScoreCAM++ over N evenly spaced channels of the layer (both sides; camscope by
zeroing the other channels, which both methods skip exactly) instead of all of them, for time: their cost is one
forward pass per channel (ResNet-50: 2048). Default: all channels.
"""
from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from PIL import Image

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
CACHE = os.path.join(ROOT, '.zoo-cache')
SEED = 0
TOLERANCE = 2e-3
GRADIENT_METHODS = ['gradcam', 'gradcam++', 'xgradcam', 'layercam', 'hirescam']
SCORE_METHODS = ['scorecam', 'scorecam++']
ALL_METHODS = GRADIENT_METHODS + SCORE_METHODS

# name: (torchvision constructor, extra kwargs, target module path ('-1' = last child), input size, layer layout)
ARCHS = {
    'resnet18': ('resnet18', {}, 'layer4.-1', 224, 'nchw'),
    'resnet50': ('resnet50', {}, 'layer4.-1', 224, 'nchw'),
    'resnext50': ('resnext50_32x4d', {}, 'layer4.-1', 224, 'nchw'),
    'vgg16_bn': ('vgg16_bn', {}, 'features.-1', 224, 'nchw'),
    'alexnet': ('alexnet', {}, 'features.-1', 224, 'nchw'),
    'squeezenet': ('squeezenet1_1', {}, 'features.-1', 224, 'nchw'),
    'googlenet': ('googlenet', {'aux_logits': False, 'init_weights': True}, 'inception5b', 224, 'nchw'),
    # init_weights=False (PyTorch's default init): torchvision's own (truncated normal, std 0.1) makes random-init
    # Inception-v3's logits ~1e13, a one-hot softmax that leaves ScoreCAM nothing to compare
    'inception_v3': ('inception_v3', {'aux_logits': False, 'init_weights': False}, 'Mixed_7c', 299, 'nchw'),
    'shufflenet_v2': ('shufflenet_v2_x1_0', {}, 'conv5', 224, 'nchw'),
    'mobilenet_v3_l': ('mobilenet_v3_large', {}, 'features.-1', 224, 'nchw'),
    'mnasnet': ('mnasnet1_0', {}, 'layers.-1', 224, 'nchw'),
    'efficientnet_b0': ('efficientnet_b0', {}, 'features.-1', 224, 'nchw'),
    'efficientnet_v2_s': ('efficientnet_v2_s', {}, 'features.-1', 224, 'nchw'),
    'regnet_y': ('regnet_y_400mf', {}, 'trunk_output', 224, 'nchw'),
    'convnext_t': ('convnext_tiny', {}, 'features.-1', 224, 'nchw'),
    'vit_b_16': ('vit_b_16', {}, 'encoder.layers.-1.ln_1', 224, 'tokens'),
    'swin_t': ('swin_t', {}, 'features.-1.-1.norm1', 224, 'nhwc'),
    'densenet121': ('densenet121', {}, 'features.-1', 224, 'nchw'),
}


# ----------------------------------------------------------------------------------------------------------------
# model, export, layer

def build(arch):
    ctor, kwargs, _, _, _ = ARCHS[arch]
    torch.manual_seed(SEED)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        model = getattr(torchvision.models, ctor)(weights=None, **kwargs).eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
            elif isinstance(m, nn.Linear) and not m.weight.any():
                m.weight.normal_(0.0, 0.02)  # ViT's head is zero-initialized: all logits would be 0
    return model


def resolve(model, path):
    """Module and qualified name for a path like 'features.-1.-1.norm1'."""
    m, names = model, []
    for part in path.split('.'):
        if part.lstrip('-').isdigit():
            children = list(m.named_children())
            name, m = children[int(part)]
        else:
            name, m = part, getattr(m, part)
        names.append(name)
    return m, '.'.join(names)


def scope_prefix(qualified):
    """torch 1.13's ONNX node-name scope of a module: /layer4/layer4.1/ for layer4.1 (index levels keep the parent)."""
    parts, scopes = qualified.split('.'), []
    for p in parts:
        scopes.append(f'{scopes[-1]}.{p}' if p.isdigit() and scopes else p)
    return '/' + '/'.join(scopes) + '/'


def export(arch, model, size, path):
    if os.path.exists(path):
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + '.tmp'
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        torch.onnx.export(model, torch.zeros(1, 3, size, size), tmp, opset_version=17, input_names=['input'],
                          output_names=['logits'], dynamic_axes={'input': {0: 'N'}, 'logits': {0: 'N'}},
                          do_constant_folding=True)
    os.replace(tmp, path)


def layer_tensor(onnx_path, qualified):
    g = onnx.load(onnx_path, load_external_data=False).graph
    prefix = scope_prefix(qualified)
    inside = [n for n in g.node if n.name.startswith(prefix) and n.op_type not in ('Constant', 'Shape')]
    if not inside:
        raise SystemExit(f'no ONNX node in scope {prefix}')
    return inside[-1].output[0]


# ----------------------------------------------------------------------------------------------------------------
# image

def load_image(index, size):
    files = sorted(glob.glob(os.path.join(ROOT, '..', 'shared', 'data', 'catsdogs', '*', '*.jpg')))
    if files:
        img = Image.open(files[(index * 97) % len(files)]).convert('RGB')
        source = os.path.relpath(files[(index * 97) % len(files)], os.path.join(ROOT, '..'))
    else:  # a smooth synthetic picture: two blobs on a gradient
        yy, xx = np.mgrid[0:256, 0:256] / 255.0
        r = np.exp(-((xx - 0.35) ** 2 + (yy - 0.4) ** 2) / 0.02)
        g = np.exp(-((xx - 0.7) ** 2 + (yy - 0.65) ** 2) / 0.03)
        img = Image.fromarray((np.stack([r, g, 0.5 * xx + 0.2 * yy], -1) * 255).astype(np.uint8))
        source = 'synthetic'
    t = torchvision.transforms
    pre = t.Compose([t.Resize(size), t.CenterCrop(size), t.ToTensor(),
                     t.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    return pre(img).unsqueeze(0).contiguous(), source


# ----------------------------------------------------------------------------------------------------------------
# PyTorch references

def to_maps(t, layout):
    """A [1, ...] layer tensor as [C, h, w] (camscope's map layout)."""
    t = t[0]
    if layout == 'tokens':
        T, C = t.shape
        s = int(round((T - 1) ** 0.5))
        return t[1:].reshape(s, s, C).permute(2, 0, 1)
    if layout == 'nhwc':
        return t.permute(2, 0, 1)
    return t


def upsample(a, size):
    """Bilinear, half-pixel centres (align_corners=False; cv2.INTER_LINEAR), [..., h, w] -> [..., H, W]."""
    return F.interpolate(a.reshape(-1, 1, *a.shape[-2:]), size=size, mode='bilinear',
                         align_corners=False).reshape(*a.shape[:-2], *size)


def scale(cam):
    cam = cam - cam.min()
    return cam / (1e-7 + cam.max())


def gradient_map(method, A, G, size):
    """pytorch-grad-cam's definitions, float64. A, G: [C, h, w]."""
    if method == 'gradcam':
        cam = (G.mean(dim=(1, 2))[:, None, None] * A).sum(0)
    elif method == 'gradcam++':
        g2, g3 = G ** 2, G ** 3
        s = A.sum(dim=(1, 2))[:, None, None]
        aij = torch.where(G != 0, g2 / (2 * g2 + s * g3 + 1e-6), torch.zeros_like(G))
        cam = ((torch.clamp(G, min=0) * aij).sum(dim=(1, 2))[:, None, None] * A).sum(0)
    elif method == 'xgradcam':
        s = A.sum(dim=(1, 2))[:, None, None]
        cam = ((G * A / (s + 1e-7)).sum(dim=(1, 2))[:, None, None] * A).sum(0)
    elif method == 'layercam':
        cam = (torch.clamp(G, min=0) * A).sum(0)
    elif method == 'hirescam':
        cam = (G * A).sum(0)
    else:
        raise ValueError(method)
    cam = scale(torch.clamp(cam, min=0))
    cam = upsample(cam, size)
    return scale(torch.clamp(cam, min=0))


def minmax(t):
    lo, hi = t.min(), t.max()
    return torch.zeros_like(t) if not hi > lo else (t - lo) / (hi - lo)


def score_map(method, model, x, A, c, channels, batch):
    """Score-CAM (official) / ScoreCAM++ (tanh, both), float32 forward passes, softmax scores."""
    size = x.shape[-2:]
    cam = torch.zeros(size, dtype=torch.float64)
    kept = []
    for k in channels:
        a = A[k]
        if method == 'scorecam' and bool((a == a.flatten()[0]).all()):
            continue  # constant channel: its min-max mask is undefined
        if method == 'scorecam++' and not bool(a.any()):
            continue  # tanh(0) = 0: the channel adds nothing
        kept.append(k)
    passes = 0
    with torch.no_grad():
        for i in range(0, len(kept), batch):
            ks = kept[i:i + batch]
            up = upsample(A[ks].float(), size)  # [b, H, W], float32 like the model input
            if method == 'scorecam':
                lo = up.flatten(1).min(1).values[:, None, None]
                hi = up.flatten(1).max(1).values[:, None, None]
                masks, terms = (up - lo) / (hi - lo), up
            else:
                masks = terms = torch.tanh(up)
            s = torch.softmax(model(x * masks[:, None]), dim=1)[:, c]
            cam += (s.double()[:, None, None] * terms.double()).sum(0)
            passes += len(ks)
    return minmax(torch.clamp(cam, min=0)), passes


def reference(arch, model, x, module, layout, methods, channels, batch):
    store = {}

    def hook(_m, _inp, out):
        store['A'] = out
        return out.clone()  # later in-place ops (DenseNet's F.relu(inplace=True)) act on the clone

    h = module.register_forward_hook(hook)
    t0 = time.perf_counter()
    logits = model(x)
    c = int(logits[0].argmax())
    (G,) = torch.autograd.grad(logits[0, c], store['A'])
    grad_s = time.perf_counter() - t0
    h.remove()
    A = to_maps(store['A'].detach(), layout).double()
    G = to_maps(G, layout).double()
    maps, times, passes = {}, {}, {}
    size = tuple(x.shape[-2:])
    for m in methods:
        t0 = time.perf_counter()
        if m in GRADIENT_METHODS:
            maps[m] = gradient_map(m, A, G, size)
            times[m] = time.perf_counter() - t0 + grad_s
        else:
            maps[m], passes[m] = score_map(m, model, x, A, c, channels, batch)
            times[m] = time.perf_counter() - t0
    return c, logits.detach()[0], A, G, maps, times, passes


# ----------------------------------------------------------------------------------------------------------------
# DenseNet: what pytorch-grad-cam's hooks see at features.norm5

def camscope_job(job_dir, job):
    """Runs bench/zoo.ts on one job; returns (result.json, wall seconds) or raises with its error."""
    os.makedirs(job_dir, exist_ok=True)
    with open(os.path.join(job_dir, 'job.json'), 'w') as f:
        json.dump(job, f)
    t0 = time.perf_counter()
    proc = subprocess.run(['npx', 'tsx', 'bench/zoo.ts', job_dir], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError((proc.stderr or proc.stdout).strip().splitlines()[-1][:200])
    return json.load(open(os.path.join(job_dir, 'camscope', 'result.json'))), time.perf_counter() - t0


def densenet_hooks(model, x, c, A_pre, size, cam_maps, relu_maps, relu_tensor):
    """pytorch-grad-cam's ActivationsAndGradients at features[-1] (= features.norm5): the forward hook keeps
    output.cpu().detach() (the same storage on CPU) and output.register_hook(...) catches the gradient; DenseNet then
    applies F.relu(features, inplace=True) to that very tensor."""
    module = model.features[-1]
    seen = {}

    def fwd(_m, _i, out):
        seen['A'] = out.cpu().detach()
        out.register_hook(lambda g: seen.__setitem__('G', g.cpu().detach()))

    h = module.register_forward_hook(fwd)
    logits = model(x)
    logits[0, c].backward()
    h.remove()
    model.zero_grad(set_to_none=True)
    A_hook, G_hook = seen['A'][0].double(), seen['G'][0].double()
    A_post = torch.clamp(A_pre, min=0)
    # The tensor after the ReLU and its gradient (DenseNet's tail: ReLU, global average pool, classifier).
    a = A_post.float()[None].clone().requires_grad_(True)
    y = model.classifier(torch.flatten(F.adaptive_avg_pool2d(a, 1), 1))
    (G_post,) = torch.autograd.grad(y[0, c], a)
    G_post = G_post[0].double()
    lines = [
        'DenseNet-121 at features.norm5 (features[-1]): what pytorch-grad-cam hooks see',
        f'  hook activations == ReLU(BatchNorm output): max|diff| {float((A_hook - A_post).abs().max()):.3g} '
        f'(vs the BatchNorm output itself: {float((A_hook - A_pre).abs().max()):.3g})',
        f'  hook gradient vs d y_c / d ReLU output: max|diff| {float((G_hook - G_post).abs().max()):.3g}; '
        f'vs d y_c / d BatchNorm output: {float((G_hook - G_post * (A_pre > 0)).abs().max()):.3g}',
        f'  fraction of BatchNorm outputs <= 0 (where the two differ): {float((A_pre <= 0).double().mean()):.3f}',
        f'  max |map diff| of pytorch-grad-cam\'s hooks vs (a) camscope at features.norm5 = the BatchNorm output; '
        f'(b) a clean reference at the ReLU output; and (c) camscope at the ReLU output `{relu_tensor}` vs (b):',
    ]
    for m in ['gradcam', 'gradcam++', 'xgradcam', 'layercam', 'hirescam']:
        hooked = gradient_map(m, A_hook, G_hook, size)
        post = gradient_map(m, A_post, G_post, size)
        d = [f'{float((hooked - maps[m]).abs().max()):.2g}' if m in maps else '-' for maps in (cam_maps,)]
        d.append(f'{float((hooked - post).abs().max()):.2g}')
        d.append(f'{float((relu_maps[m] - post).abs().max()):.2g}' if m in relu_maps else '-')
        lines.append(f'    {m:10s} (a) {d[0]:>8s}   (b) {d[1]:>8s}   (c) {d[2]:>8s}')
    return lines


# ----------------------------------------------------------------------------------------------------------------

def read_f32(path, shape=None):
    a = torch.from_numpy(np.fromfile(path, dtype=np.float32))
    return a.reshape(shape) if shape else a


def run_arch(arch, index, methods, score_channels, batch, densenet_study):
    _, _, path, size, layout = ARCHS[arch]
    model = build(arch)
    module, qualified = resolve(model, path)
    onnx_path = os.path.join(CACHE, arch, 'model.onnx')
    export(arch, model, size, onnx_path)
    layer = layer_tensor(onnx_path, qualified)
    x, source = load_image(index, size)

    # the layer's channel count, for the ScoreCAM subset
    with torch.no_grad():
        probe = {}
        h = module.register_forward_hook(lambda _m, _i, o: probe.__setitem__('s', to_maps(o, layout).shape))
        model(x)
        h.remove()
    C = probe['s'][0]
    channels = list(range(C)) if not score_channels or score_channels >= C else \
        sorted({(i * C) // score_channels for i in range(score_channels)})

    c, logits, A, G, ref, ref_t, ref_passes = reference(arch, model, x, module, layout, methods, channels, batch)

    job_dir = os.path.join(CACHE, arch, 'job')
    os.makedirs(job_dir, exist_ok=True)
    x.numpy().astype(np.float32).tofile(os.path.join(job_dir, 'input.bin'))
    with open(os.path.join(job_dir, 'job.json'), 'w') as f:
        json.dump({'model': onnx_path, 'layer': layer, 'methods': methods, 'classIndex': c,
                   'scoreChannels': channels if len(channels) < C else None}, f)
    t0 = time.perf_counter()
    proc = subprocess.run(['npx', 'tsx', 'bench/zoo.ts', job_dir], cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        return {'arch': arch, 'error': (proc.stderr or proc.stdout).strip().splitlines()[-1][:200], 'layer': layer}
    cam_dir = os.path.join(job_dir, 'camscope')
    res = json.load(open(os.path.join(cam_dir, 'result.json')))
    Cc, hh, ww = res['shape']
    cam_A = read_f32(os.path.join(cam_dir, 'activations.bin'), (Cc, hh, ww)).double()
    act_err = float((cam_A - A).abs().max() / A.abs().max()) if cam_A.shape == A.shape else float('inf')
    grad_err = None
    if os.path.exists(os.path.join(cam_dir, 'gradients.bin')):
        cam_G = read_f32(os.path.join(cam_dir, 'gradients.bin'), (Cc, hh, ww)).double()
        grad_err = float((cam_G - G).abs().max() / G.abs().max()) if cam_G.shape == G.shape else float('inf')
    diffs, cam_maps = {}, {}
    for m in methods:
        cm = read_f32(os.path.join(cam_dir, f'{m}.bin'), (size, size)).double()
        cam_maps[m] = cm
        diffs[m] = float((cm - ref[m]).abs().max())
    out = {'arch': arch, 'layer': layer, 'module': qualified, 'layout': res['layout'], 'shape': res['shape'],
           'class': c, 'camscope_class': res['classIndex'], 'image': source, 'act_err': act_err, 'grad_err': grad_err,
           'diffs': diffs, 'cam_ms': res['times'], 'torch_s': ref_t, 'flat': res['flat'], 'passes': res['passes'],
           'ref_passes': ref_passes, 'channels': len(channels), 'C': C, 'node_wall_s': wall,
           'logit_err': float((torch.tensor(res['logits']) - logits).abs().max())}
    if densenet_study and arch == 'densenet121':
        # camscope at the tensor after DenseNet's final ReLU (the Relu node that consumes features.norm5's output)
        g = onnx.load(onnx_path, load_external_data=False).graph
        relu = next(n.output[0] for n in g.node if n.op_type == 'Relu' and layer in n.input)
        grad_methods = [m for m in GRADIENT_METHODS if m in methods]
        relu_dir = os.path.join(CACHE, arch, 'job-relu')
        os.makedirs(relu_dir, exist_ok=True)
        x.numpy().astype(np.float32).tofile(os.path.join(relu_dir, 'input.bin'))
        camscope_job(relu_dir, {'model': onnx_path, 'layer': relu, 'methods': grad_methods, 'classIndex': c,
                                'scoreChannels': None})
        relu_maps = {m: read_f32(os.path.join(relu_dir, 'camscope', f'{m}.bin'), (size, size)).double()
                     for m in grad_methods}
        out['study'] = densenet_hooks(model, x, c, A, (size, size), cam_maps, relu_maps, relu)
    return out


def fmt_table(rows, methods):
    lines = []
    head = ['architecture', 'layer (module -> ONNX tensor)', 'shape', 'act', 'grad'] + methods
    lines.append('| ' + ' | '.join(head) + ' |')
    lines.append('|' + '---|' * len(head))
    for r in rows:
        if 'error' in r:
            lines.append(f"| {r['arch']} | {r['layer']} | error: {r['error']} |")
            continue
        cells = [r['arch'], f"{r['module']} -> `{r['layer']}` ({r['layout']})", 'x'.join(map(str, r['shape'])),
                 f"{r['act_err']:.1e}", '-' if r['grad_err'] is None else f"{r['grad_err']:.1e}"]
        for m in methods:
            d = r['diffs'][m]
            mark = '' if d <= TOLERANCE else ' !'
            cells.append(f'{d:.1e}{mark}' + (' (flat)' if r['flat'].get(m) else ''))
        lines.append('| ' + ' | '.join(cells) + ' |')
    lines.append('')
    lines.append('Times in seconds, camscope / PyTorch (gradient methods include the shared forward+backward pass; '
                 'score methods: channels scored):')
    head = ['architecture'] + methods
    lines.append('| ' + ' | '.join(head) + ' |')
    lines.append('|' + '---|' * len(head))
    for r in rows:
        if 'error' in r:
            continue
        cells = [r['arch']]
        for m in methods:
            cell = f"{r['cam_ms'][m] / 1000:.2f} / {r['torch_s'][m]:.2f}"
            if m in SCORE_METHODS:
                cell += f" ({r['passes'][m]}/{r['C']} ch)"
            cells.append(cell)
        lines.append('| ' + ' | '.join(cells) + ' |')
    return lines


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--arch', default=','.join(ARCHS), help='comma-separated, from: ' + ', '.join(ARCHS))
    p.add_argument('--methods', default=','.join(ALL_METHODS))
    p.add_argument('--score-channels', type=int, default=0, help='ScoreCAM/ScoreCAM++ over N evenly spaced channels')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--batch', type=int, default=16, help='PyTorch masked forward passes per batch')
    p.add_argument('--out', default=None, help='also write the report here (default bench/results/zoo-DATE.txt)')
    p.add_argument('--no-save', action='store_true')
    p.add_argument('--densenet-hooks', action='store_true', default=True)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    archs = [s.strip() for s in a.arch.split(',') if s.strip()]
    methods = [s.strip().lower() for s in a.methods.split(',') if s.strip()]
    for m in methods:
        if m not in ALL_METHODS:
            raise SystemExit(f'unknown method {m}; available: {", ".join(ALL_METHODS)} (auggradcam++ is excluded, see --help)')
    for arch in archs:
        if arch not in ARCHS:
            raise SystemExit(f'unknown architecture {arch}; available: {", ".join(ARCHS)}')
    header = [f'camscope vs PyTorch {torch.__version__} / torchvision {torchvision.__version__}, '
              f'{datetime.datetime.now().strftime("%Y-%m-%d %H:%M")}, random init (seed {SEED}), torch threads '
              f'{a.threads}, ScoreCAM channels: {a.score_channels or "all"}',
              'max |camscope - PyTorch| of the final [0,1] maps (! = over the 2e-3 target); act/grad = relative '
              'max error of the layer activations / gradients camscope used']
    print('\n'.join(header), flush=True)
    rows, study = [], []
    t_start = time.perf_counter()
    for i, arch in enumerate(archs):
        t0 = time.perf_counter()
        try:
            r = run_arch(arch, i, methods, a.score_channels, a.batch, a.densenet_hooks)
        except Exception as e:  # one architecture failing must not hide the others' results
            r = {'arch': arch, 'layer': ARCHS[arch][2], 'error': f'{type(e).__name__}: {e}'[:200]}
        rows.append(r)
        study += r.get('study', [])
        status = r.get('error') or ' '.join(f'{m} {d:.1e}' for m, d in r['diffs'].items())
        print(f'[{arch}] {time.perf_counter() - t0:.0f} s: {status}', file=sys.stderr, flush=True)
    lines = header + [''] + fmt_table(rows, methods)
    if study:
        lines += [''] + study
    notes = [f"{r['arch']}: image {r['image']}, class {r['class']}, logits max|diff| {r['logit_err']:.1e}"
             for r in rows if 'error' not in r]
    lines += ['', f'total {time.perf_counter() - t_start:.0f} s'] + notes
    print('\n'.join(lines[len(header):]))
    if not a.no_save:
        out = a.out or os.path.join(ROOT, 'bench', 'results', f'zoo-{datetime.date.today().isoformat()}.txt')
        with open(out, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        print(f'written to {os.path.relpath(out, ROOT)}', file=sys.stderr)
    bad = [r['arch'] for r in rows if 'error' in r or max(r['diffs'].values(), default=0) > TOLERANCE]
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
