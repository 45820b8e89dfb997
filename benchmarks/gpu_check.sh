#!/usr/bin/env bash
# The GPU proof, in one short run (under 5 minutes) on a machine with a CUDA device:
#   benchmarks/gpu_check.sh [cuda|cpu] [WHEELS_DIR]
# It installs the grader's missing dependencies from WHEELS_DIR (default .whl, if present; no
# network needed), runs `grade validate` on the device, the GPU-specific hostile cases, and the
# per-run cost on the device vs the CPU, then prints a one-screen summary. With `cpu` it runs the
# same steps on the CPU (the CPU analogues of the hostile cases), which CI-less machines can check.
set -uo pipefail
device="${1:-cuda}"
wheels="${2:-.whl}"
cd "$(dirname "$0")/.."
if [ -d "$wheels" ] && ls "$wheels"/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/grade-site "$wheels"/*.whl \
    || { echo "could not install the wheels in $wheels"; exit 1; }
  export PYTHONPATH="/tmp/grade-site:${PYTHONPATH:-}"
fi
export PYTHONPATH="$PWD:${PYTHONPATH:-}"
export PYTHONUNBUFFERED=1
exec timeout 290 python3 benchmarks/gpu_check.py --device "$device"
