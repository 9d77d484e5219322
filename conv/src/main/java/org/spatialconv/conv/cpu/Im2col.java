package org.spatialconv.conv.cpu;

import java.util.Arrays;

/**
 * Lowering between image tiles and im2col matrices. A tile is the output rows {@code [oa, ob)} and columns
 * {@code [oc0, oc1)}; its im2col matrix has {@code crs} rows, row {@code (c*R + r)*S + s}, and one column per output
 * position, row-major within the tile.
 */
final class Im2col {
    private Im2col() {
    }

    /** Fills {@code col} with the input values each output position of the tile reads (zeros for padding). */
    static void lower(Geo g, float[] x, int xBase, int oa, int ob, int oc0, int oc1, float[] col) {
        int cw = oc1 - oc0;
        int p = (ob - oa) * cw;
        int plane = g.ih * g.iw;
        for (int ci = 0; ci < g.cg; ci++) {
            for (int r = 0; r < g.r; r++) {
                for (int s = 0; s < g.s; s++) {
                    int rowBase = ((ci * g.r + r) * g.s + s) * p;
                    int offW = s * g.dw;
                    // Output columns whose input column lies inside the image, clipped to the tile.
                    int lo = Math.min(oc1, Math.max(oc0, Geo.firstOut(0, g.pw, offW, g.sw)));
                    int hi = Math.max(lo, Math.min(oc1, Geo.endOut(g.iw, g.pw, offW, g.sw)));
                    for (int o = oa; o < ob; o++) {
                        int d = rowBase + (o - oa) * cw;
                        int inRow = o * g.sh - g.ph + r * g.dh;
                        if (inRow < 0 || inRow >= g.ih) {
                            Arrays.fill(col, d, d + cw, 0f);
                            continue;
                        }
                        int src = xBase + ci * plane + inRow * g.iw - g.pw + offW;
                        if (lo > oc0) {
                            Arrays.fill(col, d, d + lo - oc0, 0f);
                        }
                        if (g.sw == 1) {
                            if (hi > lo) {
                                System.arraycopy(x, src + lo, col, d + lo - oc0, hi - lo);
                            }
                        } else {
                            for (int q = lo; q < hi; q++) {
                                col[d + q - oc0] = x[src + q * g.sw];
                            }
                        }
                        if (hi < oc1) {
                            Arrays.fill(col, d + hi - oc0, d + cw, 0f);
                        }
                    }
                }
            }
        }
    }

    /**
     * Adds each im2col entry of the tile back onto the input position it came from, but only for input rows
     * {@code [a, b)} and columns {@code [c0, c1)} (the part of dx this worker owns).
     */
    static void raiseAdd(Geo g, float[] col, int oa, int ob, int oc0, int oc1, float[] dx, int dxBase, int a, int b,
            int c0, int c1) {
        int cw = oc1 - oc0;
        int p = (ob - oa) * cw;
        int plane = g.ih * g.iw;
        for (int ci = 0; ci < g.cg; ci++) {
            for (int r = 0; r < g.r; r++) {
                for (int s = 0; s < g.s; s++) {
                    int rowBase = ((ci * g.r + r) * g.s + s) * p;
                    int offW = s * g.dw;
                    int lo = Math.max(oc0, Geo.firstOut(c0, g.pw, offW, g.sw));
                    int hi = Math.min(oc1, Geo.endOut(c1, g.pw, offW, g.sw));
                    if (lo >= hi) {
                        continue;
                    }
                    for (int o = oa; o < ob; o++) {
                        int inRow = o * g.sh - g.ph + r * g.dh;
                        if (inRow < a || inRow >= b) {
                            continue;
                        }
                        int d = rowBase + (o - oa) * cw - oc0;
                        int dst = dxBase + ci * plane + inRow * g.iw - g.pw + offW;
                        if (g.sw == 1) {
                            for (int q = lo; q < hi; q++) {
                                dx[dst + q] += col[d + q];
                            }
                        } else {
                            for (int q = lo; q < hi; q++) {
                                dx[dst + q * g.sw] += col[d + q];
                            }
                        }
                    }
                }
            }
        }
    }
}
