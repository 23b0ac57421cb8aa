#!/usr/bin/env bash
# Prepares the GPU run of bench/gpu-run.sh (the lent machine has no Node, npm or internet), from the project root:
#   bash bench/gpu-prepare.sh        → .gpu/ (node, Vulkan loader, production node_modules, bench.mjs, cli.mjs)
#                                       gpu-data/catsdogs/{cat,dog} (50 + 50 photos from ../shared)
# Then call the device with carry [".gpu", "gpu-data"] and: source .gpu/setup.sh && bash bench/gpu-run.sh gpu-data/catsdogs
# (the trained ResNet-18 does not fit the 64 MiB carry beside node and onnxruntime: the GPU rows use random-init
# exports made there with the same PyTorch baseline script, which time the same as trained weights).
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${CAMSCOPE_SHARED:-../shared}
bash "$shared/tools/gpu-bundle.sh" >/dev/null
# Bundled entry points so the device needs no TypeScript loader; packages stay external (from .gpu's node_modules).
for entry in bench/scorecam-bench.ts:bench src/main/cli/main.ts:cli; do
  node_modules/.bin/esbuild "${entry%%:*}" --bundle --platform=node --format=esm --target=node20 --packages=external \
    --log-level=warning --outfile=".gpu/${entry##*:}.mjs"
done
grep -qx '/gpu-data/' .git/info/exclude || echo '/gpu-data/' >> .git/info/exclude
for c in cat dog; do
  mkdir -p "gpu-data/catsdogs/$c"
  ls "$shared/data/catsdogs/$c" | sort | head -50 | while read -r f; do cp "$shared/data/catsdogs/$c/$f" "gpu-data/catsdogs/$c/"; done
done
du -sh .gpu gpu-data
