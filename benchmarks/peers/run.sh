#!/usr/bin/env bash
# Runs the same protocol in NetGen (generated code), PyTorch and numpy, one thread each, and prints NetGen's ratio to each.
# Called by `./build.sh peers`, which installs python3-torch, python3-numpy and libopenblas0-openmp first.
set -euo pipefail
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
out=$(mktemp -d)
dotnet build benchmarks/NetGen.Benchmarks -c Release -nologo -v quiet >/dev/null
# Some machines here set OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE for older OpenBLAS builds; they pin a slower kernel, so the
# peers run without them (this command only: the tests and CI keep them).
# OpenBLAS 0.3.21 (Debian 12) falls back to its SSE3 "Prescott" kernels on processors it does not know (an Emerald Rapids
# Xeon measured 30 GFLOP/s there against 138 with its SkylakeX kernels); the peers then get the kernels for the widest
# vectors the processor has instead.
coretype=()
if env -u OPENBLAS_CORETYPE OPENBLAS_VERBOSE=2 /usr/bin/python3 -c 'import numpy' 2>&1 | grep -q 'Core: Prescott'; then
  if grep -qw avx512f /proc/cpuinfo; then coretype=(OPENBLAS_CORETYPE=SkylakeX)
  elif grep -qw avx2 /proc/cpuinfo; then coretype=(OPENBLAS_CORETYPE=Haswell); fi
  echo "OpenBLAS does not know this processor: the peers run with ${coretype[*]:-its fallback}" >&2
fi
peer() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "${coretype[@]}" /usr/bin/python3 benchmarks/peers/peer.py "$@"; }
if [ "${1:-}" = cnn ]; then
  # The convolutional network only, NetGen and PyTorch alternating three times (this machine's speed drifts between runs).
  for round in 1 2 3; do
    dotnet run --project benchmarks/NetGen.Benchmarks -c Release --no-build -- --peers cnn > "$out/netgen$round.json"
    peer torch cnn > "$out/torch$round.json"
  done
  /usr/bin/python3 benchmarks/peers/table.py --cnn "$out"/netgen{1,2,3}.json "$out"/torch{1,2,3}.json
  rm -rf "$out"
  exit 0
fi
# Everything, the three sides alternating three times (one pass of the three took 2 min 16 s here), each round's ratios
# printed: run once each, one after the other, the batch-20 ratio to numpy read 1.9×, 2.1× and 1.6× in three sessions,
# and this host's speed drifts by as much from one minute to the next.
for round in 1 2 3; do
  dotnet run --project benchmarks/NetGen.Benchmarks -c Release --no-build -- --peers > "$out/netgen$round.json"
  peer torch > "$out/torch$round.json"
  peer numpy > "$out/numpy$round.json"
done
/usr/bin/python3 benchmarks/peers/table.py "$out"/netgen{1,2,3}.json "$out"/torch{1,2,3}.json "$out"/numpy{1,2,3}.json
rm -rf "$out"
