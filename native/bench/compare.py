#!/usr/bin/env python3
"""Prints a Markdown table of GpuBenchmark vs the cuDNN peer (same run, same GPU): GFLOP/s per pass and the ratio.
Bar (issue 7): ratio >= 0.5 on every shape and pass. Usage: compare.py spatialconv.json cudnn.json"""
import json
import sys


def main():
    ours, peer = (json.load(open(p)) for p in sys.argv[1:3])
    print("Device: %s (ours) / %s (peer, torch %s, cuDNN %s)" % (ours["device"], peer["device"], peer.get("torch"),
                                                              peer.get("cudnn")))
    print()
    print("| N,C,H,W / K / R | pass | spatialconv GFLOP/s | cuDNN GFLOP/s | ratio | bar 0.5 |")
    print("|---|---|---|---|---|---|")
    ok = True
    key = lambda s: (s["n"], s["c"], s["h"], s["w"], s["k"], s["r"])
    peers = {key(s): s for s in peer["shapes"]}
    for s in ours["shapes"]:
        p = peers.get(key(s))
        if p is None:
            continue
        for name, k in (("fwd", "fwd_gflops"), ("bwd-data", "bwd_data_gflops"), ("bwd-filter", "bwd_filter_gflops")):
            ratio = s[k] / p[k]
            ok &= ratio >= 0.5
            print("| %d,%d,%d,%d / %d / %d | %s | %.1f | %.1f | %.2f | %s |" % (key(s) + (name, s[k], p[k], ratio,
                                                                             "pass" if ratio >= 0.5 else "FAIL")))
    tf32 = [(s, peers[key(s)]) for s in ours["shapes"] if key(s) in peers and "fwd_tf32_gflops" in s
            and "fwd_tf32_gflops" in peers[key(s)]]
    if tf32:
        print()
        print("TF32 (opt-in: spatialconv's tensor-core variant vs cuDNN with TF32 allowed; informational, no bar):")
        print()
        print("| N,C,H,W / K / R | pass | spatialconv TF32 GFLOP/s | cuDNN TF32 GFLOP/s | ratio |")
        print("|---|---|---|---|---|")
        for s, p in tf32:
            for name, k in (("fwd", "fwd_tf32_gflops"), ("bwd-data", "bwd_data_tf32_gflops")):
                print("| %d,%d,%d,%d / %d / %d | %s | %.1f | %.1f | %.2f |" % (key(s) + (name, s[k], p[k], s[k] / p[k])))
    pk = ours.get("pack")
    if pk:
        print()
        print("Pack %.1f GB/s, unpack %.1f GB/s vs device-to-device copy %.1f GB/s: pack %.0f%%, unpack %.0f%% "
              "(bar 80%%)" % (pk["pack_gbps"], pk["unpack_gbps"], pk["d2d_copy_gbps"], 100 * pk["pack_vs_copy"],
                              100 * pk["unpack_vs_copy"]))
    engines = ours.get("engines")
    if engines:
        print()
        print("Engines (spatialconv's backend selection, issue 7 fast paths):")
        for name, state in engines.items():
            print("- %s: %s" % (name, state))
        print()
        print("| N,C,H,W / K / R | pass | selected | trials |")
        print("|---|---|---|---|")
        for s in ours["shapes"]:
            for name, sel in s.get("selection", {}).items():
                print("| %d,%d,%d,%d / %d / %d | %s | %s | %s |" % (key(s) + (name, sel["engine"],
                                                                        sel["trials"].replace("|", "/"))))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
