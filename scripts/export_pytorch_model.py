#!/usr/bin/env python3
"""Export your own PyTorch (torchvision) image classifier for camscope.

camscope opens ONNX models. Next to ``model.onnx`` it looks for a sidecar
``model.json`` describing how to preprocess images and what the classes are.
This recipe produces both.

Examples::

    # A ResNet-18 fine-tuned on 3 classes, weights saved with
    # torch.save(model.state_dict(), "my_resnet18.pt"):
    python3 scripts/export_pytorch_model.py --arch resnet18 --num-classes 3 \
        --weights my_resnet18.pt --classes cat,dog,fox --out models/pets.onnx

    # Smoke test with random weights (nothing is downloaded, ever):
    python3 scripts/export_pytorch_model.py --arch resnet18 --num-classes 3 --out /tmp/x.onnx

Notes:

* The model is built with ``weights=None``: torchvision's pretrained weights
  are never fetched. Pass ``--weights`` with a local ``state_dict`` file
  (a full pickled model or a checkpoint dict with a ``state_dict`` /
  ``model`` key also works).
* The sidecar assumes the standard torchvision ImageNet preprocessing:
  resize the shorter side, centre-crop to ``--size``, scale to [0,1], then
  normalise with the ImageNet mean/std. Edit the JSON if you trained with
  something else - wrong preprocessing gives wrong predictions and CAMs.
* ``"layer": "auto"`` lets camscope pick the last 4-D feature map before
  global pooling (for ResNets, the output of ``layer4``). You can put any
  4-D node output name there instead; camscope lists the candidates.
* For a custom ``nn.Module`` (not in torchvision), replace ``build_model``
  with your own constructor; the export and sidecar parts stay the same.

Requirements: torch >= 1.13 (opset 17), torchvision.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
import torchvision

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def build_model(arch: str, num_classes: int) -> torch.nn.Module:
    """Instantiate a torchvision classifier with random weights (no download)."""
    try:
        ctor = getattr(torchvision.models, arch)
    except AttributeError:
        raise SystemExit(f"unknown torchvision architecture: {arch!r}")
    # weights=None -> random init; never triggers a download.
    return ctor(weights=None, num_classes=num_classes)


def load_weights(model: torch.nn.Module, path: Path) -> None:
    """Load a local state_dict (or a checkpoint that contains one)."""
    obj = torch.load(path, map_location="cpu")
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    if isinstance(obj, dict):
        for key in ("state_dict", "model", "model_state_dict"):
            if key in obj and isinstance(obj[key], dict):
                obj = obj[key]
                break
    # Strip the "module." prefix that DataParallel/DDP checkpoints carry.
    obj = {k.removeprefix("module."): v for k, v in obj.items()}
    model.load_state_dict(obj)  # strict: mismatched keys/shapes are errors


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Export a torchvision classifier to ONNX + camscope sidecar JSON.")
    p.add_argument("--arch", default="resnet18", help="torchvision.models constructor name (default resnet18)")
    p.add_argument("--num-classes", type=int, default=1000)
    p.add_argument("--weights", type=Path, help="local state_dict .pt file (default: random init)")
    p.add_argument("--classes", help="comma-separated class names, in output order (default class_0, class_1, ...)")
    p.add_argument("--size", type=int, default=224, help="square input size in pixels (default 224)")
    p.add_argument("--name", help="display name for camscope (default: the architecture name)")
    p.add_argument("--out", type=Path, default=Path("model.onnx"), help="output .onnx path; the .json goes next to it")
    args = p.parse_args(argv)

    if args.classes:
        classes = [c.strip() for c in args.classes.split(",")]
        if len(classes) != args.num_classes:
            raise SystemExit(f"--classes has {len(classes)} names but --num-classes is {args.num_classes}")
    else:
        classes = [f"class_{i}" for i in range(args.num_classes)]

    model = build_model(args.arch, args.num_classes)
    if args.weights:
        load_weights(model, args.weights)
    else:
        print("warning: no --weights given, exporting a randomly initialised model", file=sys.stderr)
    model.eval()  # export inference behaviour (BatchNorm uses running stats, no dropout)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    dummy = torch.zeros(1, 3, args.size, args.size)
    torch.onnx.export(
        model,
        dummy,
        str(args.out),
        opset_version=17,
        input_names=["input"],            # camscope feeds [batch, 3, H, W] float32
        output_names=["logits"],          # raw scores; camscope applies softmax
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        do_constant_folding=True,
    )

    sidecar = {
        "name": args.name or args.arch,
        "classes": classes,
        "inputSize": [args.size, args.size],
        "channels": 3,
        "resize": "shorter-side-crop",     # torchvision Resize(size) + CenterCrop(size)
        "mean": IMAGENET_MEAN,
        "std": IMAGENET_STD,
        "layer": "auto",
        "description": f"torchvision {args.arch} exported by scripts/export_pytorch_model.py"
                       + ("" if args.weights else " (random weights)"),
    }
    # "accuracy" (optional in the schema) is left out: this script cannot know
    # it; add it by hand if you like. "trainedWith" records the weights file.
    if args.weights:
        sidecar["trainedWith"] = str(args.weights)
    json_path = args.out.with_suffix(".json")
    json_path.write_text(json.dumps(sidecar, indent=2) + "\n")

    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) and {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
