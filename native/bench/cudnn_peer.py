#!/usr/bin/env python3
"""cuDNN peer for GpuBenchmark: times PyTorch's float32 conv2d forward, backward-data and backward-filter on the
same GPU and shapes (3x3, stride 1, padding R//2), CUDA-event medians after warm-up, TF32 off so both sides do
float32 math; then forward and backward-data again with TF32 allowed (fwd_tf32_*, bwd_data_tf32_*), the peer of
spatialconv's opt-in TF32 variant. Writes the same JSON keys as GpuBenchmark.

Usage: cudnn_peer.py [--json FILE] [--iterations I] [--warmup W] [--shape N,C,H,W,K,R]...
"""
import argparse
import json
import os
import statistics
import sys

SHAPES = [(1, 16, 1024, 1024, 16, 3), (1, 64, 512, 512, 64, 3), (8, 64, 56, 56, 64, 3), (4, 128, 256, 256, 128, 3)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json")
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--shape", action="append", default=[])
    a = ap.parse_args()
    shapes = [tuple(int(v) for v in s.split(",")) for s in a.shape] or SHAPES
    try:
        import torch
    except ImportError:
        print("cudnn_peer: PyTorch is not installed", file=sys.stderr)
        return 3
    if not torch.cuda.is_available():
        print("cudnn_peer: torch.cuda.is_available() is False", file=sys.stderr)
        return 3
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    dev = torch.device("cuda")
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)

    def median_ms(fn):
        for _ in range(a.warmup):
            fn()
        torch.cuda.synchronize()
        t = []
        for _ in range(a.iterations):
            start.record()
            fn()
            stop.record()
            stop.synchronize()
            t.append(start.elapsed_time(stop))
        return statistics.median(t)

    out = {"engine": "pytorch-cudnn", "device": torch.cuda.get_device_name(0), "torch": torch.__version__,
           "cudnn": torch.backends.cudnn.version(), "iterations": a.iterations, "shapes": []}
    print("%-22s %10s %10s %10s %10s %10s %10s" % ("N,C,H,W/K/R", "fwd ms", "bwdD ms", "bwdF ms", "fwd GF/s",
                                                  "bwdD GF/s", "bwdF GF/s"), file=sys.stderr)
    for n, c, h, w, k, r in shapes:
        p = r // 2
        g = torch.Generator(device="cpu").manual_seed(1)
        x = (torch.rand(n, c, h, w, generator=g) * 2 - 1).to(dev)
        wt = (torch.rand(k, c, r, r, generator=g) * 2 - 1).to(dev)
        y = torch.nn.functional.conv2d(x, wt, padding=p)
        dy = torch.rand_like(y) * 2 - 1
        flops = 2.0 * y.numel() * c * r * r

        def bwd(mask):
            return torch.ops.aten.convolution_backward(dy, x, wt, None, [1, 1], [p, p], [1, 1], False, [0, 0], 1, mask)

        f = median_ms(lambda: torch.nn.functional.conv2d(x, wt, padding=p))
        d = median_ms(lambda: bwd([True, False, False]))
        kf = median_ms(lambda: bwd([False, True, False]))
        # TF32 allowed (PyTorch's default for convolutions), for spatialconv's opt-in TF32 variant.
        torch.backends.cudnn.allow_tf32 = True
        ft = median_ms(lambda: torch.nn.functional.conv2d(x, wt, padding=p))
        dt = median_ms(lambda: bwd([True, False, False]))
        torch.backends.cudnn.allow_tf32 = False
        print("%-22s %10.3f %10.3f %10.3f %10.1f %10.1f %10.1f" % (
            "%d,%d,%d,%d/%d/%d" % (n, c, h, w, k, r), f, d, kf, flops / f / 1e6, flops / d / 1e6, flops / kf / 1e6),
            file=sys.stderr)
        out["shapes"].append({"n": n, "c": c, "h": h, "w": w, "k": k, "r": r, "fwd_ms": f, "bwd_data_ms": d,
                              "bwd_filter_ms": kf, "fwd_gflops": flops / f / 1e6, "bwd_data_gflops": flops / d / 1e6,
                              "bwd_filter_gflops": flops / kf / 1e6, "fwd_tf32_ms": ft, "bwd_data_tf32_ms": dt,
                              "fwd_tf32_gflops": flops / ft / 1e6, "bwd_data_tf32_gflops": flops / dt / 1e6})
    text = json.dumps(out)
    if a.json:
        tmp = a.json + ".tmp"
        with open(tmp, "w") as fh:
            fh.write(text)
        os.replace(tmp, a.json)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
