#!/usr/bin/env python3
"""Train and export camscope's embedded demo model (a small Fashion-MNIST CNN).

What this script produces (all under ``resources/demo/`` by default):

* ``fashion-cnn.onnx``  - the classifier, ONNX opset 17, input ``input``
  ``[batch, 1, 28, 28]`` (float32, normalised, dynamic batch axis), output
  ``logits`` ``[batch, 10]``.
* ``fashion-cnn.json``  - the camscope sidecar profile (class names, input
  size, normalisation, target layer, measured test accuracy).
* ``images/``           - 100 sample test images (10 per class) as 28x28
  8-bit grayscale PNGs plus ``labels.csv`` (``file,label``).
* ``README.md``         - what the model is, how it was made, data licence.

Architecture (chosen so the CAM target layer is unambiguous)::

    conv(1->16, 3x3, pad 1)  - BN - ReLU          28x28
    conv(16->32, 3x3, pad 1) - BN - ReLU          28x28
    maxpool 2x2                                   14x14
    conv(32->64, 3x3, pad 1) - BN - ReLU          14x14
    conv(64->64, 3x3, pad 1) - BN - ReLU          14x14   <- last 4-D tensor
    global average pool -> flatten -> linear(64->10)

The output of the last ReLU, ``[N, 64, 14, 14]``, is the final spatial
feature map and therefore the natural CAM target layer (camscope's
``"layer": "auto"`` picks it).

Preprocessing (must match the sidecar): ``x = (pixel / 255 - 0.2860) / 0.3530``
on the 28x28 image as is (no resize, one channel).

The run is deterministic: fixed seeds, a seeded shuffle generator, a fixed
thread count and ``torch.use_deterministic_algorithms(True)``.

Data: Fashion-MNIST (Zalando Research, MIT licence), read directly from the
IDX files (gzip + numpy); nothing is downloaded.

Usage (Debian's PyTorch lives in the system interpreter)::

    /usr/bin/python3 scripts/train_demo_model.py
    /usr/bin/python3 scripts/train_demo_model.py --epochs 5 --out resources/demo

Requirements: torch (>= 1.13, for opset 17 export), onnx, numpy, Pillow.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import random
import re
import struct
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# Fashion-MNIST class names, index = label value in the IDX files.
CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]

# Fashion-MNIST training-set statistics of pixel/255.
MEAN = 0.2860
STD = 0.3530

DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT_DIR = REPO_ROOT / "resources" / "demo"
MODEL_FILE = "fashion-cnn.onnx"
SIDECAR_FILE = "fashion-cnn.json"
SAMPLES_PER_CLASS = 10


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------

def read_idx(path: Path) -> np.ndarray:
    """Read a (gzipped) IDX file into a numpy array of uint8.

    IDX header: two zero bytes, a type byte (0x08 = unsigned byte), the number
    of dimensions, then one big-endian uint32 per dimension.
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: expected {np.prod(dims)} values, got {arr.size}")
    return arr.reshape(dims)


def load_split(data_dir: Path, prefix: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (images [N,28,28] uint8, labels [N] uint8) for 'train' or 't10k'."""
    images = read_idx(data_dir / f"{prefix}-images-idx3-ubyte.gz")
    labels = read_idx(data_dir / f"{prefix}-labels-idx1-ubyte.gz")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{prefix}: {images.shape[0]} images but {labels.shape[0]} labels")
    return images, labels


def preprocess(images_u8: np.ndarray) -> torch.Tensor:
    """uint8 [N,28,28] -> float32 [N,1,28,28], pixel/255 then (x-mean)/std."""
    x = torch.from_numpy(images_u8.astype(np.float32) / 255.0)
    return ((x - MEAN) / STD).unsqueeze(1).contiguous()


# --------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------

def conv_bn_relu(cin: int, cout: int) -> list[nn.Module]:
    return [
        nn.Conv2d(cin, cout, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    ]


class FashionCNN(nn.Module):
    """Small all-conv CNN with a global-average-pool head (CAM friendly)."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            *conv_bn_relu(1, 16),
            *conv_bn_relu(16, 32),
            nn.MaxPool2d(2),  # 28x28 -> 14x14
            *conv_bn_relu(32, 64),
            *conv_bn_relu(64, 64),  # final spatial layer: [N,64,14,14]
        )
        self.pool = nn.AdaptiveAvgPool2d(1)  # exported as GlobalAveragePool
        self.classifier = nn.Linear(64, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = self.pool(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


# --------------------------------------------------------------------------
# Training / evaluation
# --------------------------------------------------------------------------

def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Logits for x, computed in eval mode in batches."""
    model.eval()
    return torch.cat([model(x[i : i + batch_size]) for i in range(0, len(x), batch_size)])


def train(
    model: nn.Module,
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
) -> float:
    """Adam + one-cycle schedule, light augmentation (random horizontal flip).

    Returns the final test accuracy in [0, 1].
    """
    steps_per_epoch = (len(x_train) + batch_size - 1) // batch_size
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=lr, epochs=epochs, steps_per_epoch=steps_per_epoch, pct_start=0.25
    )
    gen = torch.Generator().manual_seed(seed)
    acc = 0.0
    for epoch in range(epochs):
        model.train()
        t0 = time.time()
        perm = torch.randperm(len(x_train), generator=gen)
        total_loss = 0.0
        for step in range(steps_per_epoch):
            idx = perm[step * batch_size : (step + 1) * batch_size]
            xb, yb = x_train[idx], y_train[idx]
            # Horizontal flip for half of the batch (Fashion-MNIST items are
            # roughly left/right symmetric, so labels are unchanged).
            flip = torch.rand(len(xb), generator=gen) < 0.5
            xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total_loss += loss.item() * len(xb)
        logits = predict(model, x_test)
        acc = (logits.argmax(1) == y_test).float().mean().item()
        print(
            f"epoch {epoch + 1}/{epochs}: train loss {total_loss / len(x_train):.4f}, "
            f"test accuracy {acc * 100:.2f}%  ({time.time() - t0:.0f}s)",
            flush=True,
        )
    return acc


# --------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------

def slugify(name: str) -> str:
    """'T-shirt/top' -> 't-shirt-top', 'Ankle boot' -> 'ankle-boot'."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def export_onnx(model: nn.Module, path: Path) -> None:
    model.eval()
    dummy = torch.zeros(1, 1, 28, 28)
    torch.onnx.export(
        model,
        dummy,
        str(path),
        opset_version=17,
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        do_constant_folding=True,  # eval mode: BatchNorm is folded into the convs
    )


def select_samples(labels: np.ndarray, per_class: int) -> list[int]:
    """Indices of the first `per_class` test images of every class, in test-set order."""
    counts = [0] * len(CLASSES)
    chosen: list[int] = []
    for i, y in enumerate(labels.tolist()):
        if counts[y] < per_class:
            counts[y] += 1
            chosen.append(i)
            if len(chosen) == per_class * len(CLASSES):
                break
    return chosen


def write_samples(images: np.ndarray, labels: np.ndarray, out_dir: Path) -> list[str]:
    """Write 28x28 8-bit grayscale PNGs and labels.csv. Returns the file names."""
    from PIL import Image

    img_dir = out_dir / "images"
    img_dir.mkdir(parents=True, exist_ok=True)
    for old in img_dir.glob("*.png"):  # keep the folder exactly in sync with this run
        old.unlink()
    files: list[str] = []
    rows: list[tuple[str, str]] = []
    for n, i in enumerate(select_samples(labels, SAMPLES_PER_CLASS)):
        name = CLASSES[int(labels[i])]
        fname = f"{n:03d}_{slugify(name)}.png"
        Image.fromarray(images[i], mode="L").save(img_dir / fname, optimize=True)
        files.append(fname)
        rows.append((fname, name))
    with open(img_dir / "labels.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["file", "label"])
        w.writerows(rows)
    return files


def write_sidecar(path: Path, accuracy: float) -> None:
    sidecar = {
        "name": "Fashion-MNIST demo CNN",
        "classes": CLASSES,
        "inputSize": [28, 28],
        "channels": 1,
        "resize": "stretch",
        "mean": [MEAN],
        "std": [STD],
        "layer": "auto",
        "description": (
            "Small CNN (4 conv-BN-ReLU blocks, global average pooling, linear head) "
            "trained on Fashion-MNIST 28x28 grayscale images. The last ReLU "
            "([N,64,14,14]) is the CAM target layer."
        ),
        "accuracy": round(accuracy, 4),
        "trainedWith": "scripts/train_demo_model.py",
    }
    path.write_text(json.dumps(sidecar, indent=2) + "\n")


def write_readme(path: Path, accuracy: float, epochs: int, seed: int, target: str) -> None:
    classes = ", ".join(CLASSES)
    path.write_text(
        f"""# camscope demo model: Fashion-MNIST CNN

`fashion-cnn.onnx` is a small convolutional classifier for
[Fashion-MNIST](https://github.com/zalandoresearch/fashion-mnist) that camscope
ships as its built-in demo. `fashion-cnn.json` is its camscope sidecar profile.

| | |
|---|---|
| Classes | {classes} |
| Input | `input`, float32 `[batch, 1, 28, 28]` (dynamic batch) |
| Output | `logits`, float32 `[batch, 10]` (softmax not included) |
| Preprocessing | 28x28 grayscale, `pixel / 255`, then `(x - 0.2860) / 0.3530` |
| Test accuracy | **{accuracy * 100:.2f}%** on the 10,000 Fashion-MNIST test images |
| ONNX | opset 17, BatchNorm folded into the convolutions |

## Architecture

```
conv 1->16 3x3 + BN + ReLU        28x28
conv 16->32 3x3 + BN + ReLU       28x28
max pool 2x2                      14x14
conv 32->64 3x3 + BN + ReLU       14x14
conv 64->64 3x3 + BN + ReLU       14x14   <- CAM target layer
global average pool -> linear 64->10
```

The output of the last ReLU (ONNX tensor `{target}`, shape `[N, 64, 14, 14]`)
is the last 4-D tensor before global average pooling, so it is what
`"layer": "auto"` selects as the CAM target layer.

## Sample images

`images/` holds 100 test-set images (the first 10 of each class in test-set
order) as 28x28 8-bit grayscale PNGs, named `<index>_<class-slug>.png`;
`images/labels.csv` gives the true class of each (`file,label`).

## How it was made

```
/usr/bin/python3 scripts/train_demo_model.py --epochs {epochs} --seed {seed}
```

The script reads the Fashion-MNIST IDX files directly (no download), trains
deterministically on CPU (PyTorch, AdamW with a one-cycle schedule, random
horizontal flips), exports the ONNX model, and writes this folder.

## Licence

The training data and the sample images come from Fashion-MNIST by Zalando
Research, released under the MIT licence
(Copyright (c) 2017 Zalando SE, https://github.com/zalandoresearch/fashion-mnist).
The model weights are a product of this repository's training script.
"""
    )


def final_spatial_output(onnx_path: Path) -> tuple[str, list]:
    """Name and shape of the tensor that feeds GlobalAveragePool (the CAM layer)."""
    import onnx

    m = onnx.shape_inference.infer_shapes(onnx.load(str(onnx_path)))
    shapes = {
        vi.name: [d.dim_value or d.dim_param for d in vi.type.tensor_type.shape.dim]
        for vi in list(m.graph.value_info) + list(m.graph.input) + list(m.graph.output)
    }
    for node in m.graph.node:
        if node.op_type == "GlobalAveragePool":
            return node.input[0], shapes.get(node.input[0], [])
    raise RuntimeError("no GlobalAveragePool in the exported model")


# --------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=Path(DEFAULT_DATA_DIR),
                   help="folder with the Fashion-MNIST *-ubyte.gz files")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT_DIR, help="output folder")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2,
                   help="torch CPU threads (fixed for reproducibility)")
    args = p.parse_args(argv)

    torch.set_num_threads(args.threads)
    seed_everything(args.seed)

    train_images, train_labels = load_split(args.data, "train")
    test_images, test_labels = load_split(args.data, "t10k")
    print(f"train {train_images.shape}, test {test_images.shape}")
    x_train, y_train = preprocess(train_images), torch.from_numpy(train_labels.astype(np.int64))
    x_test, y_test = preprocess(test_images), torch.from_numpy(test_labels.astype(np.int64))

    model = FashionCNN(len(CLASSES))
    t0 = time.time()
    acc = train(model, x_train, y_train, x_test, y_test,
                args.epochs, args.batch_size, args.lr, args.seed)
    print(f"training took {time.time() - t0:.0f}s; test accuracy {acc * 100:.2f}%")

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    onnx_path = out / MODEL_FILE
    export_onnx(model, onnx_path)
    import onnx
    onnx.checker.check_model(onnx.load(str(onnx_path)))
    target, shape = final_spatial_output(onnx_path)
    print(f"wrote {onnx_path} ({onnx_path.stat().st_size} bytes); "
          f"CAM target tensor {target!r} shape {shape}")

    write_sidecar(out / SIDECAR_FILE, acc)
    files = write_samples(test_images, test_labels, out)
    print(f"wrote {len(files)} sample images to {out / 'images'}")
    write_readme(out / "README.md", acc, args.epochs, args.seed, target)
    print(f"wrote {out / SIDECAR_FILE} and {out / 'README.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
