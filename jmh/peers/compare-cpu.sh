#!/usr/bin/env bash
# Side-by-side CPU comparison of our backend against PyTorch's conv2d, same machine, same run.
#
# Usage: jmh/peers/compare-cpu.sh [rounds] [reps] [threads]     (defaults: 3 rounds, 5 reps, 2 threads)
#        CPU_ALGOS="auto gemm winograd" jmh/peers/compare-cpu.sh ...  also times our backend with each other
#        algorithm (spatialconv.cpu.conv) in the same rounds, and prints each against the default (auto)
#
# For every round and shape it runs one fresh JVM (org.spatialconv.jmh.ConvPassTimer) and one fresh Python
# (torch_conv2d.py), alternating which goes first, each timing its passes after 5 warm-up iterations (the JIT needs a few) and printing
# medians. The table reports, per shape, the median over rounds. FLOPs = 2 * MACs per pass; "bwd" is
# backward-data + backward-filter (2 passes' FLOPs), no bias gradient on either side.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}
REPS=${2:-5}
THREADS=${3:-2}
WARMUP=5
SHAPES="1,16,1024,1024,16,3 1,64,256,256,64,3 8,64,56,56,64,3 1,128,128,128,128,3"
JAR=jmh/target/benchmarks.jar
PY=/usr/bin/python3

# OpenBLAS must not start threads inside each of our workers (the backend owns parallelism).
export OPENBLAS_NUM_THREADS=1
if [ ! -f "$JAR" ]; then
  mvn -q -B -pl jmh -am package -DskipTests
fi

raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
ALGOS=${CPU_ALGOS:-auto}
case " $ALGOS " in *" auto "*) ;; *) ALGOS="auto $ALGOS" ;; esac
for a in $ALGOS; do
  case "$a" in auto|gemm|winograd) ;; *) echo "compare-cpu: CPU_ALGOS: '$a' is not auto, gemm or winograd" >&2; exit 2 ;; esac
done
ours() { java -Dspatialconv.cpu.conv="${2:-auto}" -Xmx8g -cp "$JAR" org.spatialconv.jmh.ConvPassTimer "$1" "$THREADS" "$WARMUP" "$REPS" 2>/dev/null; }
# Our backend with every algorithm in $ALGOS; the default (auto) is labelled "ours", the others "ours-<algo>".
all_ours() {
  for a in $ALGOS; do
    if [ "$a" = auto ]; then echo "ours $(ours "$1")"; else echo "ours-$a $(ours "$1" "$a")"; fi
  done
}
torch() { "$PY" jmh/peers/torch_conv2d.py "$1" "$THREADS" "$WARMUP" "$REPS"; }
for round in $(seq "$ROUNDS"); do
  for shape in $SHAPES; do
    if [ $((round % 2)) -eq 1 ]; then
      all_ours "$shape" >>"$raw"; echo "torch $(torch "$shape")" >>"$raw"
    else
      echo "torch $(torch "$shape")" >>"$raw"; all_ours "$shape" >>"$raw"
    fi
    echo "round $round/$ROUNDS $shape done" >&2
  done
done

"$PY" - "$raw" "$ROUNDS" "$THREADS" <<'PYEOF'
import json, statistics, sys
rows = {}
backend = {}
for line in open(sys.argv[1]):
    who, js = line.split(" ", 1)
    d = json.loads(js)
    rows.setdefault(d["shape"], {}).setdefault(who, []).append(d)
    backend[who] = d["backend"]
print(f"rounds={sys.argv[2]} threads={sys.argv[3]}; ours: {backend['ours']}; peer: {backend['torch']}")
print()
print("| N,C,H,W,K,R | ours fwd GFLOP/s | torch fwd GFLOP/s | fwd ratio | ours bwd GFLOP/s | torch bwd GFLOP/s | bwd ratio |")
print("|---|---:|---:|---:|---:|---:|---:|")
for shape, by in rows.items():
    gf = by["ours"][0]["gflop_per_pass"]
    med = lambda who, key: statistics.median(d[key] for d in by[who])
    of, tf = gf / med("ours", "fwd_ms") * 1e3, gf / med("torch", "fwd_ms") * 1e3
    ob, tb = 2 * gf / med("ours", "bwd_ms") * 1e3, 2 * gf / med("torch", "bwd_ms") * 1e3
    print(f"| {shape} | {of:.1f} | {tf:.1f} | {of / tf:.2f}x | {ob:.1f} | {tb:.1f} | {ob / tb:.2f}x |")
if sys.argv[3] == "1":
    # One thread: CPU time of the working thread is the work itself, far less disturbed by other processes.
    print()
    print("CPU-time based (1 thread; ours: caller thread CPU time, torch: process CPU time):")
    print()
    print("| N,C,H,W,K,R | ours fwd GFLOP/s | torch fwd GFLOP/s | fwd ratio | ours bwd GFLOP/s | torch bwd GFLOP/s | bwd ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for shape, by in rows.items():
        gf = by["ours"][0]["gflop_per_pass"]
        of = gf / statistics.median(d["caller_cpu_ms"][0] for d in by["ours"]) * 1e3
        ob = 2 * gf / statistics.median(d["caller_cpu_ms"][1] + d["caller_cpu_ms"][2] for d in by["ours"]) * 1e3
        tf = gf / statistics.median(d["fwd_cpu_ms"] for d in by["torch"]) * 1e3
        tb = 2 * gf / statistics.median(d["bwd_cpu_ms"] for d in by["torch"]) * 1e3
        print(f"| {shape} | {of:.1f} | {tf:.1f} | {of / tf:.2f}x | {ob:.1f} | {tb:.1f} | {ob / tb:.2f}x |")
others = sorted(w for w in backend if w.startswith("ours-"))
for other in others:
    print()
    print(f"ours (auto) against {other} ({backend[other]}), same rounds; ratio > 1: auto faster:")
    print()
    print(f"| N,C,H,W,K,R | auto fwd ms | {other} fwd ms | fwd ratio | auto bwd ms | {other} bwd ms | bwd ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for shape, by in rows.items():
        med = lambda who, key: statistics.median(d[key] for d in by[who])
        af, of = med("ours", "fwd_ms"), med(other, "fwd_ms")
        ab, ob = med("ours", "bwd_ms"), med(other, "bwd_ms")
        print(f"| {shape} | {af:.1f} | {of:.1f} | {of / af:.2f}x | {ab:.1f} | {ob:.1f} | {ob / ab:.2f}x |")
print()
print("median ms per shape (ours fwd / bwd-data / bwd-filter; torch fwd / bwd):")
for shape, by in rows.items():
    med = lambda who, key: statistics.median(d[key] for d in by[who])
    print(f"  {shape}: ours {med('ours','fwd_ms'):.1f} / {med('ours','bwd_data_ms'):.1f} / "
          f"{med('ours','bwd_filter_ms'):.1f}; torch {med('torch','fwd_ms'):.1f} / {med('torch','bwd_ms'):.1f}")
PYEOF
