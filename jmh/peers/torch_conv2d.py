#!/usr/bin/python3
"""Times PyTorch's CPU conv2d (forward, and backward-data + backward-filter) for one layer and prints one JSON line
of medians, in the same format as org.spatialconv.jmh.ConvPassTimer, for jmh/peers/compare-cpu.sh.

Usage: torch_conv2d.py N,C,H,W,K,R [threads] [warmup] [reps]   (stride 1, padding (R-1)//2, no bias)
"""
import json
import statistics
import sys
import time

import torch


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    n, c, h, w, k, r = (int(v) for v in sys.argv[1].split(","))
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    warmup = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    reps = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    torch.set_num_threads(threads)
    torch.manual_seed(42)
    pad = (r - 1) // 2
    x = torch.rand(n, c, h, w) - 0.5
    wt = torch.rand(k, c, r, r) - 0.5
    y = torch.nn.functional.conv2d(x, wt, padding=pad)
    dy = torch.rand_like(y) - 0.5
    fwd, bwd, fwd_cpu, bwd_cpu = [], [], [], []
    with torch.no_grad():
        for i in range(warmup + reps):
            c0, t0 = time.process_time(), time.perf_counter()
            torch.nn.functional.conv2d(x, wt, padding=pad)
            c1, t1 = time.process_time(), time.perf_counter()
            # The same kernel autograd runs: grad_input and grad_weight, no bias gradient.
            torch.ops.aten.convolution_backward(dy, x, wt, None, [1, 1], [pad, pad], [1, 1], False, [0, 0], 1,
                                                [True, True, False])
            c2, t2 = time.process_time(), time.perf_counter()
            if i >= warmup:
                fwd.append((t1 - t0) * 1e3)
                bwd.append((t2 - t1) * 1e3)
                fwd_cpu.append((c1 - c0) * 1e3)
                bwd_cpu.append((c2 - c1) * 1e3)
    macs = n * k * h * w * c * r * r  # output is H x W at stride 1 with (R-1)/2 padding and odd R
    print(json.dumps({"shape": sys.argv[1], "fwd_ms": round(statistics.median(fwd), 3),
                      "bwd_ms": round(statistics.median(bwd), 3),
                      # process CPU time: with 1 thread, the work itself, little affected by other load
                      "fwd_cpu_ms": round(statistics.median(fwd_cpu), 3),
                      "bwd_cpu_ms": round(statistics.median(bwd_cpu), 3), "gflop_per_pass": 2 * macs / 1e9,
                      "threads": threads, "backend": "torch " + torch.__version__}))


if __name__ == "__main__":
    main()
