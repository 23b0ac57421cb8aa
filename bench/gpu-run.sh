#!/usr/bin/env bash
# The GPU figures of the speed issue in one call on a lent H100 (prepared by bench/gpu-prepare.sh):
#   source .gpu/setup.sh && bash bench/gpu-run.sh gpu-data/catsdogs [EVAL_IMAGES]
# 1. random-init ResNet-18 and VGG-19 exported there with bench/pytorch_scorecampp.py (same seed as its baseline);
# 2. `npm run bench` on WebGPU (NHWC), fp32 and fp16, PyTorch baseline on CUDA (batch 64) beside it;
# 3. the six-method evaluation (gradcam … scorecam++) on EVAL_IMAGES photos, WebGPU fp32 and fp16, for the
#    images/s that the 2,000-image target needs (deletion/insertion curves off: they are not part of that table);
# 4. other batch sizes beside the automatic one, and the benchmark on the machine's CPUs.
# Each step has its own time limit and failures do not stop the next; logs go to $OUT (or ./gpu-out).
set -uo pipefail
data=${1:?photo folder in ImageFolder layout}
n=${2:-48}
out=${OUT:-gpu-out}
mkdir -p "$out"
export CAMSCOPE_PYTHON; CAMSCOPE_PYTHON=$(command -v python3)
step() { echo; echo "== $(date -u +%T) $*"; }
step machine
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
nproc; node --version; "$CAMSCOPE_PYTHON" -c 'import torch; print("torch", torch.__version__, torch.cuda.is_available())'
step "bench webgpu fp32,fp16 (PyTorch on cuda)"
timeout 300 node .gpu/bench.mjs --ep webgpu --precision fp32,fp16 --skip-js --models resnet18-rand,vgg19-rand --images 8 \
  --threads "$(nproc)" --photos "$data/cat" --torch-device cuda 2>&1 | tee "$out/bench-webgpu.txt"
for p in fp32 fp16; do
  step "evaluate $n images, six methods, webgpu $p"
  rm -rf "/tmp/eval-$p"
  timeout 120 node .gpu/cli.mjs evaluate --model bench/models/resnet18_rand.onnx --dataset "$data" --sample "$n" --seed 0 \
    --ep webgpu --precision "$p" --steps 0 --figure 0 --out "/tmp/eval-$p" 2>&1 | tee "$out/eval-$p.txt"
  cp "/tmp/eval-$p/report.json" "$out/eval-$p-report.json" 2>/dev/null
done
step "batch-size sweep (webgpu)"
timeout 200 node .gpu/bench.mjs --ep webgpu --precision fp32,fp16 --skip-js --models resnet18-rand,vgg19-rand --images 4 \
  --batch 16,32,128 --photos "$data/cat" 2>&1 | tee "$out/bench-webgpu-sweep.txt"
[ -n "${SKIP_CPU:-}" ] && { step done; exit 0; }
step "bench cpu ($(nproc) cores, PyTorch on cpu)"
timeout 120 node .gpu/bench.mjs --ep cpu --skip-js --models resnet18-rand --images 2 --threads "$(nproc)" --photos "$data/cat" \
  2>&1 | tee "$out/bench-cpu.txt"
step done
