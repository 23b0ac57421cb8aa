#!/usr/bin/python3
"""Generate bit-exact Pillow bilinear-resize fixtures for test/engine/image/pil-resize.test.ts.

Run with Debian's python (it ships PIL):  /usr/bin/python3 scripts/make_pil_resize_fixtures.py

For every case it writes, under test/fixtures/pil-resize/:
  <name>.in.png    the input image (8-bit L or RGB, non-interlaced PNG)
  <name>.out.png   Image.resize((w, h), Image.BILINEAR) of that input
and a manifest.json describing the cases, including the SHA-256 of every image's raw
interleaved uint8 bytes (row-major, channels last) so the test can check its PNG decoding.
Everything is deterministic (seeded numpy RNG, fixed zlib settings), so re-running the
script with the same Pillow/zlib reproduces identical files.
"""
import hashlib
import json
import os

import numpy as np
import PIL
from PIL import Image

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'pil-resize')


def noise(rng, w, h, c):
    return rng.integers(0, 256, size=(h, w, c) if c > 1 else (h, w), dtype=np.uint8)


def photo_like(rng, w, h, sigma=3.0):
    """A synthetic 'photo': smooth lighting gradients, hard-edged objects, texture,
    saturated highlights/shadows and mild sensor noise (values hit both 0 and 255)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    u, v = x / w, y / h
    r = 40 + 170 * u + 30 * np.sin(6.0 * v)
    g = 60 + 120 * v + 25 * np.cos(5.0 * u + 2.0 * v)
    b = 200 - 150 * u * v + 20 * np.sin(9.0 * (u + v))
    img = np.stack([r, g, b], axis=-1)
    # a bright disc with a hard edge (saturates)
    d1 = (x - 0.35 * w) ** 2 + (y - 0.4 * h) ** 2 < (0.18 * min(w, h)) ** 2
    img[d1] = [255, 250, 235]
    # a dark rectangle (clips to black)
    rect = (x > 0.6 * w) & (x < 0.85 * w) & (y > 0.55 * h) & (y < 0.9 * h)
    img[rect] = [0, 0, 8]
    # a striped, high-frequency textured ring (stresses antialiasing)
    rr = np.sqrt((x - 0.7 * w) ** 2 + (y - 0.25 * h) ** 2)
    ring = (rr > 0.08 * min(w, h)) & (rr < 0.2 * min(w, h))
    stripes = 127.5 + 127.5 * np.sign(np.sin(1.3 * x + 0.7 * y))
    img[ring] = np.stack([stripes, 255 - stripes, stripes * 0.5], axis=-1)[ring]
    img += rng.normal(0.0, sigma, size=img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def png_write(path, im):
    im.save(path, 'PNG', optimize=True)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    rng = np.random.default_rng(20240521)
    cases = [
        # name, make input, output size
        ('rgb-37x23-to-19x31', lambda: noise(rng, 37, 23, 3), (19, 31)),
        ('l-37x23-to-19x31', lambda: noise(rng, 37, 23, 1), (19, 31)),
        ('rgb-64x64-to-100x80-upscale', lambda: noise(rng, 64, 64, 3), (100, 80)),
        ('l-64x64-to-100x80-upscale', lambda: noise(rng, 64, 64, 1), (100, 80)),
        ('rgb-50x40-to-50x20-vertical-only', lambda: noise(rng, 50, 40, 3), (50, 20)),
        ('l-40x30-to-71x30-horizontal-only', lambda: noise(rng, 40, 30, 1), (71, 30)),
        ('rgb-23x17-to-23x17-identity', lambda: noise(rng, 23, 17, 3), (23, 17)),
        ('rgb-61x53-to-5x3-strong-downscale', lambda: noise(rng, 61, 53, 3), (5, 3)),
        ('l-3x2-to-1x1', lambda: noise(rng, 3, 2, 1), (1, 1)),
        ('l-1x1-to-7x5', lambda: noise(rng, 1, 1, 1), (7, 5)),
        # torchvision Resize(224) on a 256x300 (WxH) photo: shorter side -> 224, longer side int(224*300/256)=262
        ('photo-rgb-256x300-to-224x262-resize224', lambda: photo_like(rng, 256, 300, 1.0), (224, 262)),
        ('photo-rgb-320x240-to-131x97', lambda: photo_like(rng, 320, 240, 1.0), (131, 97)),
    ]
    manifest = {
        'generator': 'scripts/make_pil_resize_fixtures.py',
        'pillow': PIL.__version__,
        'numpy': np.__version__,
        'resample': 'Image.BILINEAR',
        'layout': 'PNG files; sha256 fields hash the raw interleaved uint8 bytes (row-major, channels last)',
        'cases': [],
    }
    for name, make, (ow, oh) in cases:
        arr = make()
        mode = 'RGB' if arr.ndim == 3 else 'L'
        im = Image.fromarray(arr, mode)
        out = im.resize((ow, oh), Image.BILINEAR)
        out_arr = np.asarray(out, dtype=np.uint8)
        in_bytes, out_bytes = arr.tobytes(), out_arr.tobytes()
        png_write(os.path.join(OUT_DIR, name + '.in.png'), im)
        png_write(os.path.join(OUT_DIR, name + '.out.png'), out)
        # the PNGs must round-trip to exactly these bytes
        assert np.array_equal(np.asarray(Image.open(os.path.join(OUT_DIR, name + '.in.png'))), arr)
        assert np.array_equal(np.asarray(Image.open(os.path.join(OUT_DIR, name + '.out.png'))), out_arr)
        manifest['cases'].append({
            'name': name,
            'mode': mode,
            'channels': 3 if mode == 'RGB' else 1,
            'inWidth': im.width,
            'inHeight': im.height,
            'outWidth': ow,
            'outHeight': oh,
            'input': name + '.in.png',
            'expected': name + '.out.png',
            'inputSha256': hashlib.sha256(in_bytes).hexdigest(),
            'expectedSha256': hashlib.sha256(out_bytes).hexdigest(),
        })
    with open(os.path.join(OUT_DIR, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')


if __name__ == '__main__':
    main()
