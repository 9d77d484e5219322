package org.spatialconv.conv.cpu;

/**
 * One task of a pass: output (or input) rows {@code [a, b)} of one (sample, group). A pass over window rows
 * {@code [h0, h1)} runs {@code n * groups * bands} tasks; task {@code t} is band {@code t % bands} of unit
 * {@code t / bands}, units ordered sample-major.
 */
record Band(int sample, int grp, int a, int b) {

    /** Number of row bands per (sample, group) so that every worker gets a few tasks. */
    static int count(int rows, int units, CpuConfig cfg) {
        if (cfg.threads() == 1) {
            return 1;
        }
        int want = Geo.ceilDiv(cfg.threads() * cfg.bandsPerThread(), units);
        return Math.max(1, Math.min(rows, want));
    }

    /** Task {@code task} of a pass over rows {@code [h0, h1)} with {@code nb} bands per (sample, group). */
    static Band of(int task, int nb, int groups, int h0, int h1) {
        int band = task % nb;
        int unit = task / nb;
        int a = h0 + (int) ((long) (h1 - h0) * band / nb);
        int b = h0 + (int) ((long) (h1 - h0) * (band + 1) / nb);
        return new Band(unit / groups, unit % groups, a, b);
    }

    /**
     * Copies a GEMM result tile to {@code y}: {@code src} holds {@code kg} rows of {@code (ob-oa) * rowLen}
     * values, of which the first {@code cw} of each output row land at column {@code col0} of output rows
     * {@code [oa, ob)}, plus the group's bias (or nothing when {@code bias} is null).
     */
    static void copyOut(Geo g, float[] src, int rowLen, float[] y, int yBase, int oa, int ob, int col0, int cw,
            float[] bias, int grp) {
        int p = (ob - oa) * rowLen;
        int outPlane = g.oh * g.ow;
        for (int kk = 0; kk < g.kg; kk++) {
            float bv = bias == null ? 0f : bias[grp * g.kg + kk];
            for (int o = oa; o < ob; o++) {
                int s = kk * p + (o - oa) * rowLen;
                int d = yBase + kk * outPlane + o * g.ow + col0;
                for (int i = 0; i < cw; i++) {
                    y[d + i] = src[s + i] + bv;
                }
            }
        }
    }
}
