#!/usr/bin/env python3
"""ScoreCAM++ in PyTorch: the baseline `npm run bench` compares camscope against.

Batched like the best public implementations (batch 64 masked inputs per forward pass), all-zero channels skipped,
Conv+BatchNorm folded for inference (as the ONNX export does), CPU with a fixed thread count. The same random-init
weights are exported to ONNX (``--export``) so both sides run the same network on the same images.

    /usr/bin/python3 bench/pytorch_scorecampp.py --arch resnet18 --num-classes 2 --export bench/models/resnet18_rand.onnx \
        --images IMG1 IMG2 ... [--threads 2] [--batch 64]

Prints one JSON line: {"arch", "threads", "batch", "ms_per_image", "passes_per_image", "images"}.
Needs Debian's python3-torch / python3-torchvision (run with /usr/bin/python3).
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import time

import torch
import torch.nn.functional as F
import torchvision
from PIL import Image
from torch.fx.experimental.optimization import fuse
from torchvision import transforms


def build(arch: str, num_classes: int, seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    model = getattr(torchvision.models, arch)(weights=None, num_classes=num_classes).eval()
    # Random BN statistics so the network is not trivially uniform.
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    return model


def target_layer(model: torch.nn.Module, arch: str) -> torch.nn.Module:
    if arch.startswith("resnet"):
        return model.layer4
    if arch.startswith("vgg"):
        return model.features[-2]  # the last ReLU before the final max-pool, as camscope's default layer
    raise SystemExit(f"no target layer rule for {arch}")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--arch", default="resnet18")
    p.add_argument("--num-classes", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--export", help="write the same network as ONNX here (if missing)")
    p.add_argument("--images", nargs="+", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--device", default="cpu", help="cpu, or cuda for a GPU baseline")
    a = p.parse_args()
    torch.set_num_threads(a.threads)

    model = build(a.arch, a.num_classes, a.seed)
    if a.export and not os.path.exists(a.export):
        os.makedirs(os.path.dirname(a.export) or ".", exist_ok=True)
        # Newer torch defaults to the dynamo exporter; the TorchScript one gives the graph camscope is tested on.
        legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
        torch.onnx.export(model, torch.zeros(1, 3, 224, 224), a.export, opset_version=17, input_names=["input"],
                          output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, **legacy)
    dev = torch.device(a.device)
    fused = fuse(model).to(dev)  # Conv+BN folded, as in the ONNX graph; used for the masked passes
    model = model.to(dev)
    acts: dict[str, torch.Tensor] = {}
    target_layer(model, a.arch).register_forward_hook(lambda _m, _i, o: acts.__setitem__("a", o))

    pre = transforms.Compose([transforms.Resize(224), transforms.CenterCrop(224), transforms.ToTensor(),
                              transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    xs = [pre(Image.open(f).convert("RGB")).unsqueeze(0).to(dev) for f in a.images]
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)

    def scorecampp(x: torch.Tensor) -> int:
        with torch.no_grad():
            logits = model(x)
            c = int(logits.argmax(1))
            A = acts["a"][0]
            keep = A.flatten(1).abs().sum(1) > 0
            up = F.interpolate(A[keep].unsqueeze(0), size=x.shape[-2:], mode="bilinear", align_corners=False)[0]
            masks = torch.tanh(up)
            scores = []
            for i in range(0, masks.shape[0], a.batch):
                m = masks[i:i + a.batch].unsqueeze(1)
                scores.append(F.softmax(fused(x * m), dim=1)[:, c])
            s = torch.cat(scores)
            cam = F.relu((s[:, None, None] * masks).sum(0))
            cam = (cam - cam.min()) / (cam.max() - cam.min())
            return int(masks.shape[0])

    scorecampp(xs[0])  # warm-up
    sync()
    t0 = time.perf_counter()
    passes = sum(scorecampp(x) for x in xs)
    sync()
    ms = (time.perf_counter() - t0) * 1000 / len(xs)
    print(json.dumps({"arch": a.arch, "device": a.device, "threads": a.threads, "batch": a.batch, "ms_per_image": ms,
                      "passes_per_image": passes / len(xs), "images": len(xs)}))


if __name__ == "__main__":
    main()
