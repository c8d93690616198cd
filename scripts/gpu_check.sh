#!/usr/bin/env bash
# The GPU checks, as one short script for a machine with CuPy and a CUDA GPU:
# the GPU-marked tests (the lockstep members against fit on CuPy among them), the
# engine, lockstep and sampler benchmarks on the GPU, a smoke
# `minirg reproduce --device gpu`, and the same with train.lockstep=true compared
# with it and with a CPU smoke run.  Writes logs to ${OUT:-gpu-check}/.
# Usage: bash scripts/gpu_check.sh        (run from the repository root)
set -uo pipefail
out="${OUT:-gpu-check}"
mkdir -p "$out"
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
nvidia-smi -L | tee "$out/device.txt"
python3 -c "import cupy; print('cupy', cupy.__version__)" | tee -a "$out/device.txt"
timeout 150 python3 -m pytest -q -m gpu -p no:cacheprovider tests 2>&1 | tee "$out/gpu_tests.txt"
timeout 90 python3 -m minirg bench nn --device gpu 2>&1 | tee "$out/bench_nn_gpu.txt"
timeout 60 python3 -m pytest -q -p no:cacheprovider -k cupy tests/nn/test_lockstep.py 2>&1 \
    | tee "$out/lockstep_tests_gpu.txt"
for K in 4 16; do
    timeout 100 python3 scripts/bench_lockstep.py --device gpu --K "$K" --steps 100 --block 10 \
        2>&1 | tee -a "$out/bench_lockstep_gpu.txt"
done
timeout 60 python3 -m minirg bench ising --gpu 2>&1 | tee "$out/bench_ising_gpu.txt"
timeout 90 python3 -m minirg reproduce --preset smoke --device gpu --no-progress \
    --out /tmp/gpu-smoke 2>&1 | tee "$out/smoke_gpu.txt"
python3 -c "import json; r = json.load(open('/tmp/gpu-smoke/results.json')); \
print('gpu smoke losses', {k: round(v['val'], 4) for k, v in r['losses'].items()})" \
    2>&1 | tee -a "$out/smoke_gpu.txt"
# Lockstep on the GPU (train.lockstep=true: model1, model2, model2_cg, ae_wr as one stack)
# against per-model fit on the GPU (above) and on the CPU: the same losses up to float32
# round-off (cuBLAS and the fused CUDA Adam differ from the CPU in the last bits).
timeout 90 python3 -m minirg reproduce --preset smoke --device gpu --set train.lockstep=true \
    --no-progress --out /tmp/gpu-smoke-lockstep 2>&1 | tee "$out/smoke_gpu_lockstep.txt"
timeout 90 python3 -m minirg reproduce --preset smoke --no-progress --out /tmp/cpu-smoke \
    2>&1 | tee "$out/smoke_cpu.txt"
python3 - <<'PY' 2>&1 | tee "$out/lockstep_losses.txt"
import json
load = lambda d: json.load(open(f"/tmp/{d}/results.json"))["losses"]
got = load("gpu-smoke-lockstep")
for ref in ("gpu-smoke", "cpu-smoke"):
    want = load(ref)
    rel = {n: max(abs(got[n][p] - v) / abs(v) for p, v in want[n].items()) for n in want}
    worst = max(rel, key=rel.get)
    print(f"lockstep gpu vs {ref}: max relative loss difference {rel[worst]:.2e} ({worst})",
          "OK" if rel[worst] < 1e-3 else "MISMATCH (expected < 1e-3)")
PY
