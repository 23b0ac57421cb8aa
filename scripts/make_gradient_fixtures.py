#!/usr/bin/python3
"""Generate PyTorch-autograd reference fixtures for the ONNX backward-graph (gradient) generator.

Run with Debian's python (it ships PyTorch 1.13 CPU + onnx + numpy; the `python3` on PATH does not):

    /usr/bin/python3 scripts/make_gradient_fixtures.py

For every case below it builds a small CNN / ViT in eval mode (random init, BatchNorm running
statistics and LayerNorm affine parameters randomized so that they are not identities), and writes
into test/fixtures/gradients/:

  <case>.onnx   torch.onnx.export(model, x, opset_version=17, input_names=['input'],
                output_names=['logits', 'layer'], dynamic batch axis, do_constant_folding=True),
                then the second graph output is deleted, so the model's only output is `logits`
                while the tensor named `layer` still exists inside the graph as the output of the
                node that produces it (the target layer a CAM method would pick).
  <case>.json   input, logits, the `layer` activations and two autograd gradients w.r.t. `layer`:
                  grad_logit = d/d layer  sum_i logits[i, targets[i]]
                  grad_prob  = d/d layer  sum_i softmax(logits)[i, targets[i]]
                (i.e. `(scores[range(2), targets]).sum().backward()`; each batch element's gradient
                only depends on its own score, so the sum equals the per-element gradients).
                All tensors are flat, row-major (C order) float32 values; see README.md there.

Robustness: the gradient of ReLU / ReLU6 (Clip) / LeakyReLU / HardSigmoid / HardSwish is
discontinuous at their kinks and MaxPool's gradient is ambiguous on ties.  For every such module
evaluated AFTER `layer` the script measures the distance of its inputs to the kinks (and the gap
between the largest and second largest value of each MaxPool window) and re-draws the case with
the next seed until that margin is >= KINK_MARGIN, so an implementation whose forward values differ
from PyTorch's by float rounding still gets the same gradients.  The seed used is recorded.

Everything is deterministic: torch.manual_seed(seed) right before building each case, float32,
default torch.backends settings, single-threaded CPU computations.
"""
import json
import os
import sys
import tempfile
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'gradients')
OPSET = 17
KINK_MARGIN = 1e-3  # min distance of any post-`layer` activation input to a kink / MaxPool tie gap
MAX_TRIES = 500


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------

def randomize_norms(model):
    """Make BatchNorm (running stats + affine) and LayerNorm (affine) non-trivial."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.normal_(0.0, 0.2)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.2)
            elif isinstance(m, nn.LayerNorm):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.2)


class KinkMonitor:
    """Forward hooks measuring how close post-`layer` activations come to gradient kinks.

    Modules whose qualified name starts with 'stem' (everything up to and including `layer`)
    are ignored: their kinks do not influence d(score)/d(layer).
    """

    def __init__(self, model):
        self.margin = float('inf')
        self.worst = None
        self.handles = []
        for name, m in model.named_modules():
            if name.startswith('stem'):
                continue
            kinks = None
            if isinstance(m, (nn.ReLU, nn.LeakyReLU)):
                kinks = (0.0,)
            elif isinstance(m, nn.ReLU6):
                kinks = (0.0, 6.0)
            elif isinstance(m, (nn.Hardsigmoid, nn.Hardswish)):
                kinks = (-3.0, 3.0)
            # Pre-hooks: they see a module's input before an in-place activation (torchvision's ReLU(inplace=True))
            # overwrites it.
            if kinks is not None:
                self.handles.append(m.register_forward_pre_hook(self._kink_hook(name, kinks)))
            elif isinstance(m, nn.MaxPool2d):
                self.handles.append(m.register_forward_pre_hook(self._pool_hook(name, m)))

    def _update(self, name, value):
        if value < self.margin:
            self.margin, self.worst = value, name

    def _kink_hook(self, name, kinks):
        def hook(_m, inputs):
            x = inputs[0].detach()
            self._update(name, min(float((x - k).abs().min()) for k in kinks))
        return hook

    def _pool_hook(self, name, m):
        def hook(_m, inputs):
            x = inputs[0].detach()
            k, s, p, d = m.kernel_size, m.stride, m.padding, m.dilation
            assert d == 1 and isinstance(k, int) and isinstance(s, int) and isinstance(p, int)
            extra = [0, 0]  # ceil_mode: the last window may reach past the bottom/right padding
            if m.ceil_mode:
                for i, size in enumerate(x.shape[2:]):
                    out = -(-(size + 2 * p - k) // s) + 1
                    if (out - 1) * s >= size + p:  # PyTorch drops a last window that starts in the padding
                        out -= 1
                    extra[i] = max(0, (out - 1) * s + k - (size + 2 * p))
            xp = F.pad(x, (p, p + extra[1], p, p + extra[0]), value=float('-inf'))
            n, c = x.shape[:2]
            win = F.unfold(xp.reshape(n * c, 1, *xp.shape[2:]), k, stride=s)  # [nc, k*k, L]
            top2 = win.topk(2, dim=1).values
            self._update(name, float((top2[:, 0] - top2[:, 1]).min()))
        return hook

    def remove(self):
        for h in self.handles:
            h.remove()


def f32_list(t):
    """Flat float32 values as Python floats that print as the shortest float32 round-trip repr."""
    return [float(str(v)) for v in t.detach().to(torch.float32).contiguous().view(-1).numpy()]


def ops_between(graph, src, dst):
    """Nodes (graph order) that are descendants of tensor `src` and ancestors of tensor `dst`."""
    producers = {o: n for n in graph.node for o in n.output}
    anc = set()
    stack = [dst]
    seen_t = set()
    while stack:
        t = stack.pop()
        if t in seen_t or t == src:
            continue
        seen_t.add(t)
        n = producers.get(t)
        if n is None:
            continue
        anc.add(id(n))
        stack.extend(i for i in n.input if i)
    reach = {src}
    out = []
    for n in graph.node:  # exporter output is topologically sorted
        if any(i in reach for i in n.input):
            reach.update(n.output)
            if id(n) in anc:
                out.append(n)
    return out


# ----------------------------------------------------------------------------------------------
# building blocks
# ----------------------------------------------------------------------------------------------

class BasicBlock(nn.Module):
    """torchvision-style ResNet BasicBlock (separate ReLU modules so hooks see each call)."""

    def __init__(self, cin, cout, stride=1, downsample=False):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
                           if downsample else None)
        self.relu2 = nn.ReLU()

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu2(out + identity)


def conv_bn_act(cin, cout, act, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), act)


# ----------------------------------------------------------------------------------------------
# cases: every model's forward returns (logits, layer); modules before `layer` are named stem*
# ----------------------------------------------------------------------------------------------

class ResnetBlock(nn.Module):
    def __init__(self, k=5):
        super().__init__()
        self.stem = conv_bn_act(3, 8, nn.ReLU(), stride=2)
        self.block = BasicBlock(8, 16, stride=2, downsample=True)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, k)

    def forward(self, x):
        layer = self.stem(x)
        y = self.pool(self.block(layer))
        return self.fc(torch.flatten(y, 1)), layer


class VggHead(nn.Module):
    def __init__(self, k=5):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 1), nn.ReLU())
        self.maxpool = nn.MaxPool2d(2, 2)
        self.avgpool = nn.AdaptiveAvgPool2d((2, 2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(32, 24), nn.ReLU(), nn.Dropout(0.5), nn.Linear(24, k))
        with torch.no_grad():  # fewer all-zero MaxPool windows after the ReLU
            self.stem[0].bias.uniform_(0.2, 0.6)

    def forward(self, x):
        layer = self.stem(x)
        return self.classifier(self.avgpool(self.maxpool(layer))), layer


class MobilenetBlock(nn.Module):
    def __init__(self, k=5):
        super().__init__()
        self.stem = conv_bn_act(3, 8, nn.ReLU6(), stride=2)
        self.expand = nn.Sequential(nn.Conv2d(8, 16, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU6())
        self.dw = nn.Sequential(nn.Conv2d(16, 16, 3, 1, 1, groups=16, bias=False), nn.BatchNorm2d(16), nn.ReLU6())
        self.project = nn.Sequential(nn.Conv2d(16, 8, 1, bias=False), nn.BatchNorm2d(8))
        self.dw_dilated = nn.Conv2d(8, 8, 3, stride=2, padding=2, dilation=2, groups=8)
        self.act = nn.Hardswish()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, k)
        with torch.no_grad():  # wider pre-activation spread: fewer values near the ReLU6 kinks
            self.expand[0].weight.mul_(4.0)
            self.dw[0].weight.mul_(4.0)

    def forward(self, x):
        layer = self.stem(x)
        y = layer + self.project(self.dw(self.expand(layer)))
        y = self.act(self.dw_dilated(y))
        return self.fc(torch.flatten(self.pool(y), 1)), layer


class SqueezeExcite(nn.Module):
    def __init__(self, c, r, gate):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(c, r, 1)
        self.relu = nn.ReLU()
        self.fc2 = nn.Conv2d(r, c, 1)
        self.gate = gate

    def forward(self, x):
        return x * self.gate(self.fc2(self.relu(self.fc1(self.pool(x)))))


class SeBlock(nn.Module):
    def __init__(self, k=5):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 1), nn.ReLU())
        self.se_hard = SqueezeExcite(8, 4, nn.Hardsigmoid())
        self.conv = nn.Sequential(nn.Conv2d(8, 8, 3, 1, 1), nn.ReLU())
        self.se_sigmoid = SqueezeExcite(8, 4, nn.Sigmoid())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, k)
        with torch.no_grad():
            # spread the hard-sigmoid inputs over its linear range AND its saturated ranges
            self.se_hard.fc2.weight.mul_(4.0)
            self.se_hard.fc2.bias.uniform_(-4.5, 4.5)
            self.conv[0].weight.mul_(4.0)  # wider spread: fewer values near the ReLU kink

    def forward(self, x):
        layer = self.stem(x)
        y = self.se_sigmoid(self.conv(self.se_hard(layer)))
        return self.fc(torch.flatten(self.pool(y), 1)), layer


class DensenetConcat(nn.Module):
    def __init__(self, k=5):
        super().__init__()
        self.stem = conv_bn_act(3, 8, nn.ReLU())
        # dense layer: BN -> ReLU -> Pad(constant 0.25) -> conv3x3 (no padding), growth 4
        self.dense_bn = nn.BatchNorm2d(8)
        self.dense_relu = nn.ReLU()
        self.dense_conv = nn.Conv2d(8, 4, 3, 1, 0, bias=False)
        # transition: BN -> ReLU -> conv1x1 -> AvgPool2d(2)
        self.trans_bn = nn.BatchNorm2d(12)
        self.trans_relu = nn.ReLU()
        self.trans_conv = nn.Conv2d(12, 8, 1, bias=False)
        self.trans_pool = nn.AvgPool2d(2)
        self.leaky = nn.LeakyReLU(0.1)
        self.conv = nn.Conv2d(8, 8, 3, 1, 1)
        self.tanh = nn.Tanh()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, k)

    def forward(self, x):
        layer = self.stem(x)
        y = self.dense_relu(self.dense_bn(layer))
        y = self.dense_conv(F.pad(y, (1, 1, 1, 1), mode='constant', value=0.25))
        y = torch.cat([layer, y], dim=1)
        y = self.trans_pool(self.trans_conv(self.trans_relu(self.trans_bn(y))))
        y = self.tanh(self.conv(self.leaky(y)))
        return self.fc(torch.flatten(self.pool(y), 1)), layer


class LayernormGelu(nn.Module):
    def __init__(self, k=5, c=8):
        super().__init__()
        self.stem = nn.Conv2d(3, c, 3, 1, 1)
        self.dwconv = nn.Conv2d(c, c, 7, 1, 3, groups=c)
        self.norm = nn.LayerNorm(c)
        self.pwconv1 = nn.Linear(c, 4 * c)
        self.gelu = nn.GELU()  # exact (erf) GELU
        self.pwconv2 = nn.Linear(4 * c, c)
        self.gamma = nn.Parameter(torch.empty(c).uniform_(0.5, 1.5))  # layer scale
        self.head_norm = nn.LayerNorm(c)
        self.fc = nn.Linear(c, k)

    def forward(self, x):
        layer = self.stem(x)
        y = self.dwconv(layer).permute(0, 2, 3, 1)  # NCHW -> NHWC
        y = self.pwconv2(self.gelu(self.pwconv1(self.norm(y))))
        y = (self.gamma * y).permute(0, 3, 1, 2)  # NHWC -> NCHW
        y = layer + y
        y = (y - 0.5) / 2.0
        y = y.mean(dim=(2, 3))
        return self.fc(self.head_norm(y)), layer


class SplitSliceConcat(nn.Module):
    def __init__(self, k=5):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 1), nn.ReLU())
        self.attn = nn.Conv2d(8, 1, 1)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, k)

    def forward(self, x):
        layer = self.stem(x)
        n = layer.shape[0]
        a, b = torch.split(layer, 4, dim=1)                 # Split
        a = a * torch.sigmoid(a)                            # Sigmoid, Mul
        b = F.pad(b[:, :, 1:, :], (0, 0, 1, 0))             # Slice, Pad
        z = torch.cat([a, b], dim=1)                        # Concat
        w = torch.softmax(self.attn(z).view(n, 1, -1), dim=-1)    # [n, 1, HW]  Reshape, Softmax
        pooled = torch.matmul(z.view(n, 8, -1), w.transpose(1, 2))  # [n, 8, 1] MatMul
        g = self.gap(z).squeeze(-1).squeeze(-1)             # [n, 8]     Squeeze
        h = pooled + g.unsqueeze(-1)                        # [n, 8, 1]  Unsqueeze
        return self.fc(h.view(n, -1)), layer                # Reshape, Gemm


class VitBlock(nn.Module):
    def __init__(self, dim, heads, mlp_ratio=2):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, mlp_ratio * dim)
        self.gelu = nn.GELU()
        self.fc2 = nn.Linear(mlp_ratio * dim, dim)

    def attention(self, h):
        b, n, c = h.shape
        qkv = self.qkv(h).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = torch.softmax((q @ k.transpose(-2, -1)) * self.scale, dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))

    def forward(self, x):
        h = self.norm1(x)
        x = x + self.attention(h)
        x = x + self.fc2(self.gelu(self.fc1(self.norm2(x))))
        return x, h


class TinyVit(nn.Module):
    def __init__(self, k=5, dim=16, depth=2, heads=2):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, dim, 4, 4)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.5)
        self.pos_embed = nn.Parameter(torch.randn(1, 17, dim) * 0.5)
        self.blocks = nn.ModuleList([VitBlock(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, k)

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)           # [n, 16, dim]
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        layer = None
        for blk in self.blocks:
            x, layer = blk(x)                                         # keep the LAST block's norm1
        return self.head(self.norm(x)[:, 0]), layer


class MiddleLayerResnet(nn.Module):
    def __init__(self, k=6):
        super().__init__()
        self.stem = conv_bn_act(3, 8, nn.ReLU(), stride=2)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = BasicBlock(8, 8, stride=1, downsample=False)
        self.layer2 = BasicBlock(8, 16, stride=2, downsample=True)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, k)
        with torch.no_grad():  # positive BN shift: fewer all-zero MaxPool windows after the ReLU
            self.stem[1].bias.uniform_(0.3, 0.8)

    def forward(self, x):
        layer = self.stem(x)
        y = self.layer2(self.layer1(self.maxpool(layer)))
        return self.fc(torch.flatten(self.pool(y), 1)), layer


# ---- architecture patterns built from torchvision's own blocks (torchvision 0.14) ----------------

class HookableBasicConv2d(nn.Module):
    """GoogLeNet/Inception BasicConv2d (Conv, BN eps 1e-3, ReLU) with an nn.ReLU module instead of F.relu, so the
    kink monitor sees it; it exports to the same ONNX nodes."""

    def __init__(self, cin, cout, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.bn(self.conv(x)))


class MiniInceptionE(nn.Module):
    """torchvision InceptionE (Inception-v3 Mixed_7b/7c) with small widths: 1x1; 1x1 -> (1x3 | 3x1) Concat;
    1x1 -> 3x3 -> (1x3 | 3x1) Concat; avg_pool2d(3, 1, 1) (count_include_pad) -> 1x1; Concat."""

    def __init__(self, cin, w=4):
        super().__init__()
        C = HookableBasicConv2d
        self.branch1x1 = C(cin, w, kernel_size=1)
        self.branch3x3_1 = C(cin, w, kernel_size=1)
        self.branch3x3_2a = C(w, w, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3_2b = C(w, w, kernel_size=(3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = C(cin, w, kernel_size=1)
        self.branch3x3dbl_2 = C(w, w, kernel_size=3, padding=1)
        self.branch3x3dbl_3a = C(w, w, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = C(w, w, kernel_size=(3, 1), padding=(1, 0))
        self.branch_pool = C(cin, w, kernel_size=1)

    def forward(self, x):
        b1 = self.branch1x1(x)
        b3 = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        bd = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        bd = torch.cat([self.branch3x3dbl_3a(bd), self.branch3x3dbl_3b(bd)], 1)
        bp = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return torch.cat([b1, b3, bd, bp], 1)


class InceptionBranches(nn.Module):
    def __init__(self, k=5):
        from torchvision.models.googlenet import Inception
        super().__init__()
        self.stem = HookableBasicConv2d(3, 8, kernel_size=3, padding=1)
        # GoogLeNet Inception block: 1x1 | 1x1->3x3 | 1x1->3x3 | MaxPool(3, 1, 1, ceil_mode)->1x1, Concat -> 16 ch
        self.maxpool = nn.MaxPool2d(3, stride=2, ceil_mode=True)  # GoogLeNet's between-stage pool: 10 -> 5 (ceil)
        self.conv3 = HookableBasicConv2d(8, 8, kernel_size=3, padding=1)  # GoogLeNet's conv3
        self.inception = Inception(8, 4, 4, 4, 2, 4, 4, conv_block=HookableBasicConv2d)
        self.mixed = MiniInceptionE(16)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(24, k)
        with torch.no_grad():  # wider spread: fewer values near the ReLU kinks
            for m in [*self.inception.modules(), *self.mixed.modules()]:
                if isinstance(m, nn.Conv2d):
                    m.weight.mul_(3.0)
            self.fc.weight.mul_(0.02)  # the features are large: logits of order 1 (softmax not saturated)

    def after_randomize(self):
        # The stem's ReLU feeds both MaxPools: a positive BN shift leaves no ReLU zeros (no all-zero, tied
        # windows), a wide spread (gamma 3..4) no near-ties.
        self.stem.bn.weight.uniform_(3.0, 4.0)
        self.stem.bn.bias.uniform_(12.0, 14.0)
        self.conv3.bn.bias.uniform_(40.0, 45.0)  # the same before the Inception block's pool branch

    def forward(self, x):
        layer = self.stem(x)
        y = self.mixed(self.inception(self.conv3(self.maxpool(layer))))
        return self.fc(self.dropout(torch.flatten(self.pool(y), 1))), layer


class ChannelShuffle(nn.Module):
    def __init__(self, k=5):
        from torchvision.models.shufflenetv2 import InvertedResidual
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True))
        self.down = InvertedResidual(8, 16, 2)   # both branches from `layer`, Concat, channel shuffle
        self.block = InvertedResidual(16, 16, 1)  # chunk (Split) -> branch on one half, Concat, channel shuffle
        self.conv5 = nn.Sequential(nn.Conv2d(16, 16, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True))
        self.fc = nn.Linear(16, k)
        with torch.no_grad():
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    m.weight.mul_(3.0)

    def forward(self, x):
        layer = self.stem(x)
        y = self.conv5(self.block(self.down(layer)))
        return self.fc(y.mean([2, 3])), layer  # ShuffleNetV2's global pool is mean([2, 3])


class MbconvSilu(nn.Module):
    def __init__(self, k=5):
        from functools import partial
        from torchvision.models.efficientnet import FusedMBConv, FusedMBConvConfig, MBConv, MBConvConfig
        super().__init__()
        bn = partial(nn.BatchNorm2d, eps=1e-3)
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 1, bias=False), bn(8), nn.SiLU(inplace=True))
        # EfficientNet-V2 FusedMBConv (3x3 expand conv + SiLU, 1x1 project, residual) ...
        self.fused = FusedMBConv(FusedMBConvConfig(2, 3, 1, 8, 8, 1), 0.2, bn)
        # ... EfficientNet-B0 MBConv: 1x1 expand + SiLU, depthwise 3x3/2 + SiLU, SE (SiLU, Sigmoid), 1x1 project ...
        self.mbconv_down = MBConv(MBConvConfig(4, 3, 2, 8, 16, 1), 0.2, bn)
        # ... and with a residual (stochastic depth: identity in eval mode).
        self.mbconv = MBConv(MBConvConfig(2, 5, 1, 16, 16, 1), 0.2, bn)
        self.head = nn.Sequential(nn.Conv2d(16, 24, 1, bias=False), bn(24), nn.SiLU(inplace=True))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(0.2, inplace=True), nn.Linear(24, k))

    def forward(self, x):
        layer = self.stem(x)
        y = self.head(self.mbconv(self.mbconv_down(self.fused(layer))))
        return self.classifier(torch.flatten(self.pool(y), 1)), layer


class RegnetY(nn.Module):
    def __init__(self, k=5):
        from torchvision.models.regnet import ResBottleneckBlock
        super().__init__()
        bn = nn.BatchNorm2d
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 1, bias=False), bn(8), nn.ReLU(inplace=True))
        # RegNet-Y block: 1x1+BN+ReLU, 3x3 group conv (group width 4) /2 +BN+ReLU, SE (ReLU, Sigmoid), 1x1+BN,
        # projection shortcut 1x1/2+BN, Add, ReLU; then a stride-1 block with identity shortcut.
        self.block1 = ResBottleneckBlock(8, 16, 2, bn, nn.ReLU, group_width=4, bottleneck_multiplier=1.0, se_ratio=0.25)
        self.block2 = ResBottleneckBlock(16, 16, 1, bn, nn.ReLU, group_width=4, bottleneck_multiplier=1.0, se_ratio=0.25)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, k)
        with torch.no_grad():
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    m.weight.mul_(3.0)

    def forward(self, x):
        layer = self.stem(x)
        y = self.block2(self.block1(layer))
        return self.fc(torch.flatten(self.pool(y), 1)), layer


class MobilenetV3(nn.Module):
    def __init__(self, k=5):
        from functools import partial
        from torchvision.models.mobilenetv3 import InvertedResidual, InvertedResidualConfig
        super().__init__()
        bn = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 1, bias=False), bn(8), nn.Hardswish())
        # 1x1 expand + HardSwish, depthwise 5x5/2 + HardSwish, SE (ReLU, HardSigmoid), 1x1 project ...
        self.block1 = InvertedResidual(InvertedResidualConfig(8, 5, 24, 16, True, 'HS', 2, 1, 1.0), bn)
        # ... and with a residual, ReLU activations
        self.block2 = InvertedResidual(InvertedResidualConfig(16, 3, 32, 16, True, 'RE', 1, 1, 1.0), bn)
        self.last = nn.Sequential(nn.Conv2d(16, 24, 1, bias=False), bn(24), nn.Hardswish())
        self.pool = nn.AdaptiveAvgPool2d(1)
        # MobileNet-V3 classifier: Linear, HardSwish, Dropout, Linear
        self.classifier = nn.Sequential(nn.Linear(24, 16), nn.Hardswish(inplace=True), nn.Dropout(0.2, inplace=True),
                                        nn.Linear(16, k))
        with torch.no_grad():  # spread the SE gates over HardSigmoid's linear and saturated ranges
            for blk in (self.block1, self.block2):
                se = blk.block[2]
                se.fc2.weight.mul_(4.0)
                se.fc2.bias.uniform_(-4.5, 4.5)

    def forward(self, x):
        layer = self.stem(x)
        y = self.last(self.block2(self.block1(layer)))
        return self.classifier(torch.flatten(self.pool(y), 1)), layer


class ConvnextStage(nn.Module):
    def __init__(self, k=5):
        from functools import partial
        from torchvision.models.convnext import CNBlock, LayerNorm2d
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 2, 2), LayerNorm2d(8, eps=1e-6))
        norm = partial(nn.LayerNorm, eps=1e-6)
        self.block1 = CNBlock(8, 1.0, 0.1, norm)
        # downsampling: LayerNorm2d (Transpose, LayerNormalization over C, Transpose back), Conv 2x2/2
        self.down = nn.Sequential(LayerNorm2d(8, eps=1e-6), nn.Conv2d(8, 16, 2, 2))
        self.block2 = CNBlock(16, 1.0, 0.1, norm)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(LayerNorm2d(16, eps=1e-6), nn.Flatten(1), nn.Linear(16, k))
        with torch.no_grad():  # non-trivial layer scale ([C, 1, 1], applied in NCHW after the permute back)
            for blk in (self.block1, self.block2):
                blk.layer_scale.uniform_(0.5, 1.5)

    def forward(self, x):
        layer = self.stem(x)  # [2, 8, 8, 8], the output of a LayerNorm2d (a Transpose back to NCHW)
        y = self.block2(self.down(self.block1(layer)))
        return self.classifier(self.pool(y)), layer


class SwinWindows(nn.Module):
    """Swin-T in miniature, channels-last [N, h, w, C] throughout, from torchvision's own blocks."""

    def __init__(self, k=5, dim=16):
        from torchvision.models.swin_transformer import PatchMerging, SwinTransformerBlock
        from torchvision.ops.misc import Permute
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, dim, 2, 2), Permute([0, 2, 3, 1]), nn.LayerNorm(dim))  # 8x8 tokens
        self.block = SwinTransformerBlock(dim, 2, [4, 4], [2, 2], mlp_ratio=2.0)  # SW-MSA: roll, mask
        self.merge = PatchMerging(dim)  # strided slices x[..., 0::2, 0::2, :] etc., Concat, LayerNorm, Linear
        self.last = SwinTransformerBlock(2 * dim, 4, [4, 4], [2, 2], mlp_ratio=2.0)  # window = whole 4x4 map
        self.norm = nn.LayerNorm(2 * dim)
        self.permute = Permute([0, 3, 1, 2])
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(2 * dim, k)
        with torch.no_grad():  # relative position bias large enough to matter (default init: std 0.02)
            for m in self.modules():
                if hasattr(m, 'relative_position_bias_table'):
                    m.relative_position_bias_table.normal_(0.0, 0.5)

    def forward(self, x):
        x = self.stem(x)
        blk = self.block
        layer = blk.norm1(x)  # pytorch-grad-cam's target_layers=[model.features[-1][-1].norm1] of this stage
        x = x + blk.stochastic_depth(blk.attn(layer))
        x = x + blk.stochastic_depth(blk.mlp(blk.norm2(x)))
        x = self.last(self.merge(x))
        y = torch.flatten(self.avgpool(self.permute(self.norm(x))), 1)
        return self.head(y), layer


CASES = [
    # name, base seed, model factory, input shape, description, extra JSON fields
    ('resnet_block', 1001, ResnetBlock, (2, 3, 16, 16),
     'layer = stem Conv+BN+ReLU; ResNet BasicBlock with stride-2 downsample '
     '(conv3x3/2+BN+ReLU, conv3x3+BN, conv1x1/2+BN, Add, ReLU); GlobalAveragePool; Flatten; Linear.', {}),
    ('vgg_head', 1002, VggHead, (2, 3, 8, 8),
     'layer = Conv+ReLU [2,8,8,8]; MaxPool2d(2,2); AdaptiveAvgPool2d((2,2)); VGG classifier '
     'Flatten -> Linear -> ReLU -> Dropout (eval: removed) -> Linear.', {}),
    ('mobilenet_block', 1003, MobilenetBlock, (2, 3, 16, 16),
     'layer = Conv+BN+ReLU6; inverted residual (1x1 expand+BN+ReLU6, 3x3 depthwise+BN+ReLU6, '
     '1x1 project+BN, Add); 3x3 depthwise conv stride 2 dilation 2 padding 2; Hardswish; GAP; Linear.', {}),
    ('se_block', 1004, SeBlock, (2, 3, 8, 8),
     'layer = Conv+ReLU; squeeze-excitation with HardSigmoid gate (x * hsig(conv(relu(conv(GAP(x)))))); '
     'Conv3x3+ReLU; squeeze-excitation with Sigmoid gate; GAP; Linear.', {}),
    ('densenet_concat', 1005, DensenetConcat, (2, 3, 8, 8),
     'layer = Conv+BN+ReLU; dense layer y = conv3x3(Pad(ReLU(BN(x)), constant 0.25)); Concat([x, y]); '
     'transition BN -> ReLU -> conv1x1 -> AvgPool2d(2); LeakyReLU(0.1); Conv3x3; Tanh; GAP; Linear.', {}),
    ('layernorm_gelu', 1006, LayernormGelu, (2, 3, 8, 8),
     'layer = Conv output; ConvNeXt block (depthwise 7x7, NHWC permute, LayerNorm, Linear 8->32, exact '
     'GELU, Linear 32->8, layer-scale Mul, permute back, residual Add); (x - 0.5) / 2; mean over H,W '
     '(ReduceMean); LayerNorm; Linear.', {}),
    ('split_slice_concat', 1007, SplitSliceConcat, (2, 3, 8, 8),
     'layer = Conv+ReLU [2,8,8,8]; Split into 2x4 channels; x*sigmoid(x) on one half, x[:, :, 1:, :] '
     '(Slice) + zero Pad on the other; Concat; softmax-over-positions attention pooling (1x1 conv, '
     'Reshape, Softmax, MatMul) plus GAP -> Squeeze -> Unsqueeze; Add; Reshape view(N, -1); Linear.', {}),
    ('tiny_vit', 1008, TinyVit, (2, 3, 16, 16),
     'tiny ViT: 4x4 patch embedding (16 patches, dim 16), class token Concat, position embedding, '
     '2 pre-norm blocks (explicit 2-head self-attention with Softmax, exact-GELU MLP), final LayerNorm, '
     'class token Gather, Linear head. layer = norm1 output of the LAST block [2,17,16] '
     '(pytorch-grad-cam convention target_layers=[model.blocks[-1].norm1]).',
     {'token_layout': {'class_token': True, 'grid': [4, 4]}}),
    ('middle_layer_resnet', 1009, MiddleLayerResnet, (2, 3, 16, 16),
     'layer = stem Conv/2+BN+ReLU [2,8,8,8]; MaxPool2d(3, stride 2, padding 1) (overlapping windows); '
     'BasicBlock(stride 1, no downsample); BasicBlock(stride 2, downsample); GAP; Linear.', {}),
    ('inception_branches', 1010, InceptionBranches, (2, 3, 10, 10),
     'layer = stem BasicConv2d (Conv+BN+ReLU) [2,8,10,10]; MaxPool(3, 2, ceil_mode) 10->5; BasicConv2d 3x3; torchvision GoogLeNet '
     'Inception block (1x1 | 1x1->3x3 | 1x1->3x3 | MaxPool(3, 1, 1, ceil_mode)->1x1, Concat); Inception-v3 '
     'InceptionE-style block (1x1; 1x1->(1x3 | 3x1) Concat; 1x1->3x3->(1x3 | 3x1) Concat; '
     'avg_pool2d(3, 1, 1) count_include_pad -> 1x1; Concat); GAP; Dropout; Linear.', {}),
    ('channel_shuffle', 1011, ChannelShuffle, (2, 3, 8, 8),
     'layer = Conv+BN+ReLU [2,8,8,8]; torchvision ShuffleNetV2 InvertedResidual stride 2 (depthwise 3x3/2+BN, '
     '1x1+BN+ReLU | 1x1+BN+ReLU, depthwise 3x3/2+BN, 1x1+BN+ReLU; Concat; channel shuffle = Reshape '
     '[N,2,C/2,h,w], Transpose(1,2), Reshape) and stride 1 (chunk -> Split, branch on one half, Concat, '
     'channel shuffle); conv5 1x1+BN+ReLU; mean([2,3]) (ReduceMean); Linear.', {}),
    ('mbconv_silu', 1012, MbconvSilu, (2, 3, 8, 8),
     'layer = Conv+BN+SiLU [2,8,8,8]; torchvision EfficientNet-V2 FusedMBConv (3x3 expand+BN+SiLU, 1x1 '
     'project+BN, residual; stochastic depth off in eval); EfficientNet MBConv stride 2 (1x1 expand+BN+SiLU, '
     'depthwise 3x3/2+BN+SiLU, squeeze-excitation with SiLU and Sigmoid, 1x1 project+BN); MBConv 5x5 with '
     'residual; head 1x1+BN+SiLU; GAP; Dropout; Linear. SiLU exports as Sigmoid and Mul.', {}),
    ('regnet_y', 1013, RegnetY, (2, 3, 8, 8),
     'layer = Conv+BN+ReLU [2,8,8,8]; torchvision RegNet-Y ResBottleneckBlock stride 2 (1x1+BN+ReLU, 3x3 group '
     'conv (group width 4)/2+BN+ReLU, squeeze-excitation (ReLU, Sigmoid), 1x1+BN; projection shortcut '
     '1x1/2+BN; Add; ReLU) and a stride-1 block with identity shortcut; GAP; Linear.', {}),
    ('mobilenet_v3', 1014, MobilenetV3, (2, 3, 8, 8),
     'layer = Conv+BN+HardSwish [2,8,8,8]; torchvision MobileNet-V3 InvertedResidual (1x1 expand+BN+HardSwish, '
     'depthwise 5x5/2+BN+HardSwish, squeeze-excitation with ReLU and HardSigmoid gate, 1x1 project+BN) and one '
     'with ReLU and a residual; 1x1+BN+HardSwish; GAP; classifier Linear, HardSwish, Dropout, Linear.', {}),
    ('convnext_stage', 1015, ConvnextStage, (2, 3, 16, 16),
     'layer = stem Conv 2x2/2 + LayerNorm2d (Transpose, LayerNormalization over C, Transpose back) [2,8,8,8]; '
     'torchvision ConvNeXt CNBlock (depthwise 7x7, Transpose to NHWC, LayerNorm, Linear, exact GELU, Linear, '
     'Transpose back, layer scale [C,1,1] Mul in NCHW, residual); downsampling LayerNorm2d + Conv 2x2/2; '
     'CNBlock; GAP; classifier LayerNorm2d, Flatten, Linear.', {}),
    ('swin_windows', 1016, SwinWindows, (2, 3, 16, 16),
     'tiny Swin from torchvision blocks, channels-last [N,h,w,C]: patch embedding Conv 2x2/2, Permute, '
     'LayerNorm (8x8 tokens); then an SW-MSA block (window 4, shift 2) whose norm1 '
     'output is layer [2,8,8,16] (channels-last; pytorch-grad-cam convention norm1 of the last block). After it: '
     'torch.roll (Slice+Concat), window partition (Reshape/Transpose), qkv Linear, 2-head attention with '
     'relative position bias and the shifted-window mask, Softmax, proj, window reverse, roll back, residual, '
     'LayerNorm, GELU MLP; PatchMerging (strided Slices x[..., 0::2, 0::2, :], Concat, LayerNorm, Linear) to '
     '4x4x32; a W-MSA block (its window covers the map, so no shift); LayerNorm; Permute to NCHW; GAP; Linear. '
     'The shifted-window mask is computed from the layer\'s shape (Shape, ConstantOfShape, ScatterND, Equal, '
     'Where, ...): it carries no gradient.',
     {'layer_layout': 'nhwc'}),
]


# ----------------------------------------------------------------------------------------------

def build(factory, seed, input_shape):
    torch.manual_seed(seed)
    model = factory()
    randomize_norms(model)
    if hasattr(model, 'after_randomize'):  # a case's own adjustments of the randomized norms
        with torch.no_grad():
            model.after_randomize()
    model.eval()
    x = torch.randn(*input_shape)
    return model, x


def export_onnx(model, x, path):
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, 'raw.onnx')
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            torch.onnx.export(model, x, raw, opset_version=OPSET, input_names=['input'],
                              output_names=['logits', 'layer'],
                              dynamic_axes={'input': {0: 'N'}, 'logits': {0: 'N'}, 'layer': {0: 'N'}},
                              do_constant_folding=True)
        m = onnx.load(raw)
    assert [o.name for o in m.graph.output] == ['logits', 'layer'], [o.name for o in m.graph.output]
    del m.graph.output[1]
    producers = [n for n in m.graph.node if 'layer' in n.output]
    assert len(producers) == 1, 'no node produces a tensor named "layer"'
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return m, producers[0]


def make_case(name, seed0, factory, input_shape, description, extra):
    for attempt in range(MAX_TRIES):
        seed = seed0 + 1000 * attempt
        model, x = build(factory, seed, input_shape)
        mon = KinkMonitor(model)
        with torch.no_grad():
            model(x)
        mon.remove()
        if mon.margin >= KINK_MARGIN:
            break
    else:
        raise RuntimeError(f'{name}: no seed with kink margin >= {KINK_MARGIN} (last try: {mon.margin:.3g} at {mon.worst})')

    logits, layer = model(x)
    k = logits.shape[1]
    targets = [1, k - 1]
    idx = torch.arange(2)
    (g_logit,) = torch.autograd.grad(logits[idx, targets].sum(), layer, retain_graph=True)
    (g_prob,) = torch.autograd.grad(torch.softmax(logits, dim=1)[idx, targets].sum(), layer)

    onnx_path = os.path.join(OUT_DIR, f'{name}.onnx')
    m, producer = export_onnx(model, x, onnx_path)
    nodes = ops_between(m.graph, 'layer', 'logits')
    op_sequence = [n.op_type for n in nodes]
    ops = sorted(set(op_sequence))

    data = {
        'case': name,
        'description': description,
        'ops': ops,
        'op_sequence': op_sequence,
        'layer_producer': producer.op_type,
        'input_shape': list(x.shape),
        'layer': 'layer',
        'layer_shape': list(layer.shape),
        'num_classes': k,
        'targets': targets,
        **extra,
        'seed': seed,
        # null when nothing after `layer` has a kink (smooth ops only)
        'kink_margin': float(f'{mon.margin:.6g}') if mon.margin != float('inf') else None,
        'torch_version': torch.__version__,
        'opset': OPSET,
        'input': f32_list(x),
        'logits': f32_list(logits),
        'activations': f32_list(layer),
        'grad_logit': f32_list(g_logit),
        'grad_prob': f32_list(g_prob),
    }
    json_path = os.path.join(OUT_DIR, f'{name}.json')
    with open(json_path, 'w') as f:
        f.write('{\n')
        items = list(data.items())
        for i, (key, val) in enumerate(items):
            f.write(f'  {json.dumps(key)}: {json.dumps(val, separators=(",", ":") if isinstance(val, list) else (", ", ": "))}')
            f.write(',\n' if i + 1 < len(items) else '\n')
        f.write('}\n')
    return data, onnx_path, json_path


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    only = set(sys.argv[1:])
    for name, seed0, factory, shape, desc, extra in CASES:
        if only and name not in only:
            continue
        data, onnx_path, json_path = make_case(name, seed0, factory, shape, desc, extra)
        print(f'{name}: seed {data["seed"]}, layer {data["layer_shape"]} from {data["layer_producer"]}, '
              f'margin {data["kink_margin"]}, onnx {os.path.getsize(onnx_path)} B, '
              f'json {os.path.getsize(json_path)} B\n  ops: {data["ops"]}\n  seq: {data["op_sequence"]}')


if __name__ == '__main__':
    main()
