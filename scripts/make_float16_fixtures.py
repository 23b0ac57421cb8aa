#!/usr/bin/env python3
"""Reference float32 → float16 roundings from NumPy, for test/engine/onnx/float16.test.ts.

NumPy's astype(float16) rounds to nearest even, keeps subnormals, and overflows to ±inf: the behaviour camscope's
converter must match bit for bit (the converter clamps to ±65504 itself before rounding, tested separately).

    /usr/bin/python3 scripts/make_float16_fixtures.py   # writes test/fixtures/float16/roundings.json
"""
import json
import os

import numpy as np

rng = np.random.default_rng(0)
edge = [0.0, -0.0, 1.0, -1.0, 1 / 3, 0.1, 65504.0, 65519.0, 65520.0, 1e5, -1e5, 6.1035156e-05, 6.0975552e-05,
        5.9604645e-08, 2.9802322e-08, 2.9802326e-08, 8.940697e-08, 1e-9, 1.0009765625, 1.00048828125, 1.00146484375,
        2049.0, 2051.0, float("inf"), float("-inf")]
values = np.concatenate([
    np.array(edge, dtype=np.float32),
    (rng.standard_normal(300) * np.exp(rng.uniform(-20, 12, 300))).astype(np.float32),
    rng.uniform(-1, 1, 200).astype(np.float32),
])
bits = values.astype(np.float16).view(np.uint16)
out = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "float16", "roundings.json")
os.makedirs(os.path.dirname(out), exist_ok=True)
# float32 values travel as their bit patterns so JSON cannot round them
with open(out, "w") as f:
    json.dump({"float32Bits": values.view(np.uint32).tolist(), "float16Bits": bits.tolist()}, f)
print(f"{len(values)} values → {out}")
