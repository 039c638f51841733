#!/usr/bin/env bash
# The one call made on a lent GPU machine (the `device` tool), prepared and tried on CPU first.
#
# That machine has Python 3.12 with jax[cuda], flax, optax and torch, and no network: the other
# dependencies travel as wheels in .whl/ (see studies/gpu/README.md for the download command).
# It runs, side by side:
#   - the overhead benchmark on the GPU (SAC HalfCheetah-v5, DQN Pong with the scan-vs-unrolled check,
#     DQN CartPole), SB3 on cuda;
#   - replication runs on the machine's CPU cores (JAX_PLATFORMS=cpu, one thread each), resumable.
# Results land in $OUT: overhead_gpu.md, the logs, and replicate.tgz (one JSON per finished run).
#
#   bash benchmarks/gpu_check.sh                  # on the GPU machine
#   QUICK=1 PY=.venv/bin/python OUT=/tmp/gpu bash benchmarks/gpu_check.sh   # dry run here, CPU only
set -u
PY=${PY:-python3}
OUT=${OUT:?set OUT to the output folder}
QUICK=${QUICK:-0}
REPLICATE_ARGS=${REPLICATE_ARGS:---stages cartpole acrobot pendulum --jobs 12}
BUDGET_S=${BUDGET_S:-400}   # replication stops after this many seconds; finished runs are kept
TASKS=${TASKS:-halfcheetah pong cartpole}
mkdir -p "$OUT"
if [ -d .whl ] && [ "$QUICK" = 0 ]; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$PWD
fi
export PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false
smoke='import jax, sbx_eaudeqn; print(jax.__version__, jax.devices()); m = sbx_eaudeqn.EauDeSAC("MlpPolicy", "Pendulum-v1", learning_starts=50, selection_period=20); m.learn(120); print("smoke ok", m.sparsity)'
if ! $PY -c "$smoke"; then
  echo "smoke failed with the carried flax/optax; trying the machine's own"
  rm -rf /tmp/site/flax* /tmp/site/optax*
  $PY -c "$smoke" || exit 1
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/gpu.txt" 2>&1

quick_flag=""; [ "$QUICK" = 1 ] && quick_flag="--quick" && REPLICATE_ARGS="--stages quick --jobs 2"
mkdir -p /tmp/replicate && cp studies/replicate/*.json /tmp/replicate/ 2>/dev/null  # runs already made: skipped
CUDA_VISIBLE_DEVICES= JAX_PLATFORMS=cpu OMP_NUM_THREADS=1 \
  XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" \
  timeout "$BUDGET_S" $PY -m benchmarks.runner studies/replicate $REPLICATE_ARGS --out /tmp/replicate \
  > "$OUT/replicate.log" 2>&1 &
replicate_pid=$!

sb3_device=cuda; [ "$QUICK" = 1 ] && sb3_device=cpu
timeout "$BUDGET_S" $PY -m benchmarks.overhead --tasks $TASKS --rounds 3 $quick_flag \
  --sb3-device $sb3_device --out "$OUT/overhead_gpu.md" 2>&1 | grep -v "^\[Powered\|^A.L.E" | tee "$OUT/overhead.log"

wait $replicate_pid
tar czf "$OUT/replicate.tgz" -C /tmp replicate
ls /tmp/replicate | grep -c json
