#!/usr/bin/env bash
# Runs every method from the CLI on random-init torchvision VGG-19 and MobileNetV2 (exported with Debian's
# python3-torch into the ignored bench/models/), on one image: the check that gradient graphs and score methods
# work on architectures beyond ResNet. Usage: bash bench/large-models.sh [IMAGE]
set -euo pipefail
cd "$(dirname "$0")/.."
image=${1:-resources/demo/images/000_ankle-boot.png}
mkdir -p bench/models
for arch in mobilenet_v2 vgg19; do
  [ -f "bench/models/$arch.onnx" ] || /usr/bin/python3 scripts/export_pytorch_model.py --arch "$arch" --num-classes 1000 --out "bench/models/$arch.onnx"
  start=$(date +%s)
  npx tsx src/main/cli/main.ts explain --model "bench/models/$arch.onnx" --methods all --out "bench/out-$arch" "$image"
  node -e '
    const r = require(process.argv[1]); const i = r.images[0];
    console.log(`${process.argv[2]}: layer ${r.layer.name} [${r.layer.shape}]`);
    for (const [m, v] of Object.entries(i.methods)) console.log(`  ${m.padEnd(14)} ${String(v.timeMs).padStart(9)} ms  ${v.forwardPasses} passes  flat=${v.flat}`);
  ' "$PWD/bench/out-$arch/results.json" "$arch"
  echo "  total $(( $(date +%s) - start )) s"
done
