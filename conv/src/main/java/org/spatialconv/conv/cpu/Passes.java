package org.spatialconv.conv.cpu;

import java.util.Arrays;
import org.spatialconv.conv.Window;

/**
 * The three convolution passes as im2col tiles and row-major SGEMM, for one group at a time:
 * <ul>
 *   <li>forward: {@code Y[kg x P] = W[kg x crs] * col[crs x P]};</li>
 *   <li>backward-data: {@code col[crs x P] = W^T * dY[kg x P]}, then col2im adds it onto {@code dx};</li>
 *   <li>backward-filter: {@code dW[kg x crs] += dY[kg x P] * col^T}.</li>
 * </ul>
 * 3x3 stride-1 layers may take {@link Winograd} instead (see {@link CpuConfig.Algorithm}), and other width-stride-1
 * layers take {@link ShiftedTaps} for forward and backward-filter.
 * {@code P} is the number of output positions in a tile. When a tile spans whole output rows, {@code Y} and
 * {@code dY} are used in place (row stride {@code oh*ow} between filters); otherwise they go through scratch.
 */
final class Passes {
    private Passes() {
    }

    /** Per-worker scratch, grown on demand and kept for the duration of one pass. */
    private static final class Scratch {
        final float[][] bufs;

        Scratch(int workers, int kinds) {
            bufs = new float[workers * kinds][];
        }

        float[] get(int worker, int kind, int kinds, int size) {
            int i = worker * kinds + kind;
            if (bufs[i] == null || bufs[i].length < size) {
                bufs[i] = new float[size];
            }
            return bufs[i];
        }
    }

    /**
     * True when a pass of this layer over a window {@code width} columns wide takes {@link Winograd} under
     * {@code cfg}'s algorithm.
     */
    static boolean winograd(Geo g, CpuConfig cfg, int width) {
        switch (cfg.algorithm()) {
            case WINOGRAD:
                return Winograd.applies(g);
            case AUTO:
                return Winograd.preferred(g, width);
            default:
                return false;
        }
    }

    static void forward(Geo g, float[] x, float[] w, float[] bias, float[] y, Window win, CpuConfig cfg,
            WorkerPool pool) {
        if (winograd(g, cfg, win.hi(1) - win.lo(1))) {
            Winograd.forward(g, x, w, bias, y, win, cfg, pool);
            return;
        }
        int h0 = win.lo(0);
        int h1 = win.hi(0);
        int w0 = win.lo(1);
        int w1 = win.hi(1);
        int tc = g.tileCols(w1 - w0, g.budget(cfg.scratchFloats()));
        if (ShiftedTaps.applies(g) && tc == w1 - w0) {
            ShiftedTaps.forward(g, x, w, bias, y, win, cfg, pool);
            return;
        }
        int tr = g.tileRows(tc, g.budget(cfg.scratchFloats()));
        boolean fullRows = w0 == 0 && w1 == g.ow && tc == g.ow;
        int units = g.n * g.groups;
        int nb = Band.count(h1 - h0, units, cfg);
        Scratch scratch = new Scratch(pool.threads(), 2);
        int outPlane = g.oh * g.ow;
        pool.run(units * nb, (worker, task) -> {
            Band t = Band.of(task, nb, g.groups, h0, h1);
            int sample = t.sample();
            int grp = t.grp();
            int a = t.a();
            int b = t.b();
            float[] col = scratch.get(worker, 0, 2, g.crs * tr * tc);
            int xBase = g.xPlane(sample, grp * g.cg);
            int yBase = g.yPlane(sample, grp * g.kg);
            int wOff = grp * g.kg * g.crs;
            for (int oa = a; oa < b; oa += tr) {
                int ob = Math.min(b, oa + tr);
                for (int oc0 = w0; oc0 < w1; oc0 += tc) {
                    int oc1 = Math.min(w1, oc0 + tc);
                    int cw = oc1 - oc0;
                    int p = (ob - oa) * cw;
                    Im2col.lower(g, x, xBase, oa, ob, oc0, oc1, col);
                    if (fullRows) {
                        int off = yBase + oa * g.ow;
                        Sgemm.gemm(false, false, g.kg, p, g.crs, 1f, w, wOff, g.crs, col, 0, p, 0f, y, off, outPlane);
                        if (bias != null) {
                            for (int kk = 0; kk < g.kg; kk++) {
                                float bv = bias[grp * g.kg + kk];
                                int o = off + kk * outPlane;
                                for (int i = o; i < o + p; i++) {
                                    y[i] += bv;
                                }
                            }
                        }
                    } else {
                        float[] tmp = scratch.get(worker, 1, 2, g.kg * p);
                        Sgemm.gemm(false, false, g.kg, p, g.crs, 1f, w, wOff, g.crs, col, 0, p, 0f, tmp, 0, p);
                        Band.copyOut(g, tmp, cw, y, yBase, oa, ob, oc0, cw, bias, grp);
                    }
                }
            }
        });
    }

    static void backwardData(Geo g, float[] dy, float[] w, float[] dx, Window win, CpuConfig cfg, WorkerPool pool) {
        int h0 = win.lo(0);
        int h1 = win.hi(0);
        int w0 = win.lo(1);
        int w1 = win.hi(1);
        // Output columns that touch input columns [w0, w1).
        int cLo = Math.max(0, Geo.firstOut(w0, g.pw, (g.s - 1) * g.dw, g.sw));
        int cHi = Math.min(g.ow, Geo.endOut(w1, g.pw, 0, g.sw));
        int units = g.n * g.groups;
        int nb = Band.count(h1 - h0, units, cfg);
        int tc = g.tileCols(Math.max(1, cHi - cLo), g.budget(cfg.scratchFloats()));
        int tr = g.tileRows(tc, g.budget(cfg.scratchFloats()));
        boolean fullRows = cLo == 0 && cHi == g.ow && tc == g.ow;
        Scratch scratch = new Scratch(pool.threads(), 2);
        int outPlane = g.oh * g.ow;
        int inPlane = g.ih * g.iw;
        pool.run(units * nb, (worker, task) -> {
            Band t = Band.of(task, nb, g.groups, h0, h1);
            int sample = t.sample();
            int grp = t.grp();
            int a = t.a();
            int b = t.b();
            int xBase = g.xPlane(sample, grp * g.cg);
            for (int ci = 0; ci < g.cg; ci++) {
                for (int h = a; h < b; h++) {
                    int o = xBase + ci * inPlane + h * g.iw;
                    Arrays.fill(dx, o + w0, o + w1, 0f);
                }
            }
            // Output rows that touch input rows [a, b).
            int rLo = Math.max(0, Geo.firstOut(a, g.ph, (g.r - 1) * g.dh, g.sh));
            int rHi = Math.min(g.oh, Geo.endOut(b, g.ph, 0, g.sh));
            if (rLo >= rHi || cLo >= cHi) {
                return;
            }
            float[] col = scratch.get(worker, 0, 2, g.crs * tr * tc);
            int yBase = g.yPlane(sample, grp * g.kg);
            int wOff = grp * g.kg * g.crs;
            for (int oa = rLo; oa < rHi; oa += tr) {
                int ob = Math.min(rHi, oa + tr);
                for (int oc0 = cLo; oc0 < cHi; oc0 += tc) {
                    int oc1 = Math.min(cHi, oc0 + tc);
                    int p = (ob - oa) * (oc1 - oc0);
                    float[] bArr = dy;
                    int bOff = yBase + oa * g.ow;
                    int ldb = outPlane;
                    // netlib bounds-checks a strided operand as if its last row were ld long: gather then.
                    if (!fullRows || bOff + g.kg * outPlane > dy.length) {
                        bArr = scratch.get(worker, 1, 2, g.kg * p);
                        gather(g, dy, yBase, oa, ob, oc0, oc1, bArr);
                        bOff = 0;
                        ldb = p;
                    }
                    Sgemm.gemm(true, false, g.crs, p, g.kg, 1f, w, wOff, g.crs, bArr, bOff, ldb, 0f, col, 0, p);
                    Im2col.raiseAdd(g, col, oa, ob, oc0, oc1, dx, xBase, a, b, w0, w1);
                }
            }
        });
    }

    static void backwardFilter(Geo g, float[] x, float[] dy, float[] dw, Window win, CpuConfig cfg,
            WorkerPool pool) {
        if (winograd(g, cfg, win.hi(1) - win.lo(1))) {
            Winograd.backwardFilter(g, x, dy, dw, win, cfg, pool);
            return;
        }
        int h0 = win.lo(0);
        int h1 = win.hi(0);
        int w0 = win.lo(1);
        int w1 = win.hi(1);
        int tc = g.tileCols(w1 - w0, g.budget(cfg.scratchFloats()));
        if (ShiftedTaps.applies(g) && tc == w1 - w0) {
            ShiftedTaps.backwardFilter(g, x, dy, dw, win, cfg, pool);
            return;
        }
        int tr = g.tileRows(tc, g.budget(cfg.scratchFloats()));
        boolean fullRows = w0 == 0 && w1 == g.ow && tc == g.ow;
        int units = g.n * g.groups;
        int nb = Band.count(h1 - h0, units, cfg);
        Scratch scratch = new Scratch(pool.threads(), 3);
        float[][] partial = new float[pool.threads()][];
        int outPlane = g.oh * g.ow;
        pool.run(units * nb, (worker, task) -> {
            Band t = Band.of(task, nb, g.groups, h0, h1);
            int sample = t.sample();
            int grp = t.grp();
            int a = t.a();
            int b = t.b();
            if (partial[worker] == null) {
                partial[worker] = new float[dw.length];
            }
            float[] acc = partial[worker];
            float[] col = scratch.get(worker, 0, 3, g.crs * tr * tc);
            int xBase = g.xPlane(sample, grp * g.cg);
            int yBase = g.yPlane(sample, grp * g.kg);
            int wOff = grp * g.kg * g.crs;
            for (int oa = a; oa < b; oa += tr) {
                int ob = Math.min(b, oa + tr);
                for (int oc0 = w0; oc0 < w1; oc0 += tc) {
                    int oc1 = Math.min(w1, oc0 + tc);
                    int p = (ob - oa) * (oc1 - oc0);
                    Im2col.lower(g, x, xBase, oa, ob, oc0, oc1, col);
                    float[] aArr = dy;
                    int aOff = yBase + oa * g.ow;
                    int lda = outPlane;
                    // netlib bounds-checks a strided operand as if its last row were ld long: gather then.
                    if (!fullRows || aOff + g.kg * outPlane > dy.length) {
                        aArr = scratch.get(worker, 1, 3, g.kg * p);
                        gather(g, dy, yBase, oa, ob, oc0, oc1, aArr);
                        aOff = 0;
                        lda = p;
                    }
                    Sgemm.gemm(false, true, g.kg, g.crs, p, 1f, aArr, aOff, lda, col, 0, p, 1f, acc, wOff, g.crs);
                }
            }
        });
        for (float[] part : partial) {
            if (part != null) {
                for (int i = 0; i < dw.length; i++) {
                    dw[i] += part[i];
                }
            }
        }
    }

    /** Copies the tile {@code [oa,ob) x [oc0,oc1)} of the kg output planes at {@code yBase} into {@code out}. */
    private static void gather(Geo g, float[] y, int yBase, int oa, int ob, int oc0, int oc1, float[] out) {
        int cw = oc1 - oc0;
        int p = (ob - oa) * cw;
        int plane = g.oh * g.ow;
        for (int kk = 0; kk < g.kg; kk++) {
            for (int o = oa; o < ob; o++) {
                System.arraycopy(y, yBase + kk * plane + o * g.ow + oc0, out, kk * p + (o - oa) * cw, cw);
            }
        }
    }
}
