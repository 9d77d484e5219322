package org.spatialconv.conv.cpu;

import java.util.Arrays;
import org.spatialconv.conv.Window;

/**
 * Forward and backward-filter of 3x3, stride 1, dilation 1 layers by Winograd's minimal filtering F(2x2, 3x3):
 * 16 multiplications per 2x2 output tile and (channel, filter) pair instead of 36, so the GEMMs do 2.25x fewer
 * multiply-adds than im2col. Backward-data of such a layer is a forward convolution of {@code dy} with the flipped
 * kernel ({@link CpuBackend}), so it takes this path too.
 *
 * <p>One-dimensional F(2, 3), with {@code d} four inputs, {@code g} three taps and {@code y} two outputs:
 * <pre>
 *   B^T d = (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
 *   G g   = (g0, (g0 + g1 + g2)/2, (g0 - g1 + g2)/2, g2)
 *   y     = A^T m = (m0 + m1 + m2, m1 - m2 - m3),  m = (G g) * (B^T d) elementwise
 * </pre>
 * The 2-D form nests it over rows then columns: the 4x4 input patch of every 2x2 output tile becomes 16 values
 * {@code V[xi][c][t]} ({@code xi = 4*a + b}, a the row point, b the column point), the weights become
 * {@code U[xi][k][c]}, and {@code M[xi] = U[xi] * V[xi]} is one SGEMM per point over a chunk of tiles, after which
 * {@code A^T M A} gives the outputs.
 *
 * <p>Backward-filter is the same identity with the roles of output and kernel exchanged, F(3x3, 2x2):
 * {@code dW = G^T [sum over tiles of (A dY A^T) * (B^T X B)] G}, where {@code A dy = (dy0, dy0 + dy1, dy0 - dy1,
 * -dy1)} widens each 2x2 {@code dy} tile to 4x4 and the sum over tiles is an SGEMM per point,
 * {@code M[xi][k][c] += E[xi][k][t] * V[xi][c][t]}; the transform back to 3x3 runs once per pass.
 *
 * <p>Tiles are laid out from the start of each task's band of rows and from the window's first column; a tile that
 * runs past the band or the window computes the outside values and drops them (forward) or reads them as zero
 * (backward-filter), so windows and row bands of any size work. The transforms use only additions and halvings,
 * so the results differ from im2col's by rounding alone (checked against the float64 reference).
 */
final class Winograd {
    /** Points of the 4x4 transformed tile. */
    private static final int POINTS = 16;
    /** The automatic choice needs a window at least this many columns wide... */
    static final int MIN_WIDTH = 64;
    /** ...and at least this many channels and filters per group... */
    static final int WIDE_CHANNELS = 128;
    /** ...or at least this many of each and a window at least {@link #WIDE_WIDTH} columns wide. */
    static final int MIN_CHANNELS = 64;
    /** See {@link #MIN_CHANNELS}. */
    static final int WIDE_WIDTH = 128;

    private Winograd() {
    }

    /** True when the layer can take this path: a 3x3 kernel, strides 1 and dilations 1. */
    static boolean applies(Geo g) {
        return g.r == 3 && g.s == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1;
    }

    /**
     * The automatic choice, where Winograd was faster than im2col + SGEMM both in JMH's steady state and in fresh
     * JVMs after a few calls (docs/cpu-backend.md, "Which algorithm"): 1.2-1.65x with 128 channels and filters at
     * widths 64 and 128 and with 64 at widths 128 and 256. On narrower windows JMH still measured 1.0-1.2x, but
     * fresh-JVM runs were bimodal (up to 1.35x slower at 8x64x56x56), because the transforms' loops take longer to
     * be compiled well; with 16 or 32 channels it lost.
     *
     * @param width columns of the window the pass computes: of {@code y} for forward, of {@code dx} for
     *              backward-data, of {@code dy} for backward-filter
     */
    static boolean preferred(Geo g, int width) {
        int narrow = Math.min(g.cg, g.kg);
        return applies(g) && width >= MIN_WIDTH
                && (narrow >= WIDE_CHANNELS || narrow >= MIN_CHANNELS && width >= WIDE_WIDTH);
    }

    static void forward(Geo g, float[] x, float[] w, float[] bias, float[] y, Window win, CpuConfig cfg,
            WorkerPool pool) {
        float[] u = transformWeights(g, w, pool);
        Chunk chunk = Chunk.of(g, cfg, Geo.ceilDiv(win.hi(1) - win.lo(1), 2), 1);
        Scratch[] scratch = new Scratch[pool.threads()];
        eachChunk(g, win, cfg, pool, chunk, (worker, t, oy0, ox0, nr, nc) -> {
            if (scratch[worker] == null) {
                scratch[worker] = new Scratch(g, chunk, g.kg, 0);
            }
            Scratch sc = scratch[worker];
            int tiles = nr * nc;
            inputTransform(g, x, g.xPlane(t.sample(), t.grp() * g.cg), oy0, ox0, nr, nc, sc.v, sc.lanes);
            for (int xi = 0; xi < POINTS; xi++) {
                Sgemm.gemm(false, false, g.kg, tiles, g.cg, 1f, u, (xi * g.k + t.grp() * g.kg) * g.cg, g.cg, sc.v,
                        xi * g.cg * tiles, tiles, 0f, sc.other, xi * g.kg * tiles, tiles);
            }
            outputTransform(g, sc.other, tiles, nr, nc, y, g.yPlane(t.sample(), t.grp() * g.kg), oy0, ox0, t.b(),
                    win.hi(1), bias, t.grp(), sc.lanes);
        });
    }

    static void backwardFilter(Geo g, float[] x, float[] dy, float[] dw, Window win, CpuConfig cfg,
            WorkerPool pool) {
        // A chunk twice the forward one: the reduction over tiles amortizes each SGEMM's fixed costs (measured).
        Chunk chunk = Chunk.of(g, cfg, Geo.ceilDiv(win.hi(1) - win.lo(1), 2), 2);
        Scratch[] scratch = new Scratch[pool.threads()];
        eachChunk(g, win, cfg, pool, chunk, (worker, t, oy0, ox0, nr, nc) -> {
            if (scratch[worker] == null) {
                scratch[worker] = new Scratch(g, chunk, g.kg, POINTS * g.k * g.cg);
            }
            Scratch sc = scratch[worker];
            int tiles = nr * nc;
            inputTransform(g, x, g.xPlane(t.sample(), t.grp() * g.cg), oy0, ox0, nr, nc, sc.v, sc.lanes);
            dyTransform(g, dy, g.yPlane(t.sample(), t.grp() * g.kg), oy0, ox0, nr, nc, t.b(), win.hi(1), sc.other,
                    sc.lanes);
            for (int xi = 0; xi < POINTS; xi++) {
                Sgemm.gemm(false, true, g.kg, g.cg, tiles, 1f, sc.other, xi * g.kg * tiles, tiles, sc.v,
                        xi * g.cg * tiles, tiles, 1f, sc.acc, (xi * g.k + t.grp() * g.kg) * g.cg, g.cg);
            }
        });
        float[] sum = null;
        for (Scratch sc : scratch) {
            if (sc == null) {
                continue;
            }
            if (sum == null) {
                sum = sc.acc;
            } else {
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += sc.acc[i];
                }
            }
        }
        if (sum != null) {
            filterTransform(g, sum, dw);
        }
    }

    /**
     * How many tiles one SGEMM covers: {@code rows} tile rows of {@code cols} tiles, so that the transformed inputs
     * and outputs of a chunk, {@code 16 * (cg + kg)} floats per tile, fit in {@code scale} times the worker's
     * scratch budget.
     */
    private record Chunk(int rows, int cols) {
        static Chunk of(Geo g, CpuConfig cfg, int tileCols, int scale) {
            long budget = (long) scale * g.budget(cfg.scratchFloats());
            int tiles = (int) Math.max(1, budget / ((long) POINTS * (g.cg + g.kg)));
            int cols = Math.max(1, Math.min(tileCols, tiles));
            return new Chunk(Math.max(1, tiles / cols), cols);
        }

        int tiles() {
            return rows * cols;
        }
    }

    /** One chunk of a task: {@code nr x nc} tiles whose first output is {@code (oy0, ox0)}, in band {@code t}. */
    @FunctionalInterface
    private interface ChunkWork {
        void run(int worker, Band t, int oy0, int ox0, int nr, int nc);
    }

    /**
     * Runs {@code work} on every chunk of a pass over {@code win}: tasks are (sample, group, band of rows) as in the
     * other passes, and each task's tiles start at its first row and at the window's first column.
     */
    private static void eachChunk(Geo g, Window win, CpuConfig cfg, WorkerPool pool, Chunk chunk, ChunkWork work) {
        int h0 = win.lo(0);
        int h1 = win.hi(0);
        int w0 = win.lo(1);
        int tileCols = Geo.ceilDiv(win.hi(1) - w0, 2);
        int units = g.n * g.groups;
        int nb = Band.count(h1 - h0, units, cfg);
        pool.run(units * nb, (worker, task) -> {
            Band t = Band.of(task, nb, g.groups, h0, h1);
            int tileRows = Geo.ceilDiv(t.b() - t.a(), 2);
            for (int i0 = 0; i0 < tileRows; i0 += chunk.rows()) {
                int nr = Math.min(chunk.rows(), tileRows - i0);
                for (int j0 = 0; j0 < tileCols; j0 += chunk.cols()) {
                    work.run(worker, t, t.a() + 2 * i0, w0 + 2 * j0, nr, Math.min(chunk.cols(), tileCols - j0));
                }
            }
        });
    }

    /**
     * One worker's buffers for a pass: the transformed inputs {@code v}, the other side of the point SGEMMs
     * ({@code M} in forward, the transformed {@code dy} in backward-filter), the rows of the transforms, and
     * backward-filter's private sums of {@code M}.
     */
    private static final class Scratch {
        final float[] v;
        final float[] other;
        final Lanes lanes;
        final float[] acc;

        Scratch(Geo g, Chunk chunk, int otherRows, int accFloats) {
            v = new float[POINTS * g.cg * chunk.tiles()];
            other = new float[POINTS * otherRows * chunk.tiles()];
            lanes = new Lanes(chunk.cols());
            acc = new float[accFloats];
        }
    }

    /**
     * {@code U[xi][k][c] = (G w[k][c] G^T)[xi]} for every filter of every group, computed in double, one task per
     * filter.
     */
    private static float[] transformWeights(Geo g, float[] w, WorkerPool pool) {
        float[] u = new float[POINTS * g.k * g.cg];
        pool.run(g.k, (worker, k) -> {
            double[] t = new double[12];
            for (int c = 0; c < g.cg; c++) {
                int o = (k * g.cg + c) * 9;
                for (int s = 0; s < 3; s++) {
                    double a0 = w[o + s];
                    double a1 = w[o + 3 + s];
                    double a2 = w[o + 6 + s];
                    t[s] = a0;
                    t[3 + s] = 0.5 * (a0 + a1 + a2);
                    t[6 + s] = 0.5 * (a0 - a1 + a2);
                    t[9 + s] = a2;
                }
                for (int a = 0; a < 4; a++) {
                    double b0 = t[3 * a];
                    double b1 = t[3 * a + 1];
                    double b2 = t[3 * a + 2];
                    int xi = 4 * a;
                    u[(xi * g.k + k) * g.cg + c] = (float) b0;
                    u[((xi + 1) * g.k + k) * g.cg + c] = (float) (0.5 * (b0 + b1 + b2));
                    u[((xi + 2) * g.k + k) * g.cg + c] = (float) (0.5 * (b0 - b1 + b2));
                    u[((xi + 3) * g.k + k) * g.cg + c] = (float) b2;
                }
            }
        });
        return u;
    }

    /**
     * Per-worker rows of one tile row, each {@code cols + 1} long and in its own array. Every arithmetic loop of the
     * transforms reads and writes these at the same index from 0, and results reach the big arrays through
     * {@code System.arraycopy}: measured on JDK 17, C2 vectorizes such loops but leaves a loop scalar (3x slower)
     * when its store index and a load index differ by an offset, since the arrays might be the same one.
     */
    private static final class Lanes {
        /** Input or {@code dy} rows split into even and odd columns. */
        final float[][] even = new float[4][];
        final float[][] odd = new float[4][];
        /** Those rows after the transform over rows, and the same shifted left by one tile. */
        final float[][] tEven = new float[4][];
        final float[][] tOdd = new float[4][];
        final float[][] nextEven = new float[4][];
        final float[][] nextOdd = new float[4][];
        /** Rows of the 16 points of {@code M}, the output transform's partial sums, and a staging row. */
        final float[][] points = new float[16][];
        final float[][] sums = new float[8][];
        final float[] staged;
        final float[] oddStaged;

        Lanes(int cols) {
            int n = cols + 1;
            for (int q = 0; q < 4; q++) {
                even[q] = new float[n];
                odd[q] = new float[n];
                tEven[q] = new float[n];
                tOdd[q] = new float[n];
                nextEven[q] = new float[n];
                nextOdd[q] = new float[n];
            }
            for (int q = 0; q < 16; q++) {
                points[q] = new float[n];
            }
            for (int q = 0; q < 8; q++) {
                sums[q] = new float[n];
            }
            staged = new float[n];
            oddStaged = new float[n];
        }
    }

    /**
     * {@code V[xi][c][i*nc + j] = (B^T d B)[xi]} where {@code d} is the 4x4 input patch of the tile whose first
     * output is {@code (oy0 + 2i, ox0 + 2j)}: input rows from {@code oy0 + 2i - ph}, columns from
     * {@code ox0 + 2j - pw}, zero outside the image. Each input row is split into even and odd columns, so that
     * tile {@code j} reads elements {@code j} and {@code j + 1} of each half.
     */
    private static void inputTransform(Geo g, float[] x, int xBase, int oy0, int ox0, int nr, int nc, float[] v, Lanes l) {
        int tiles = nr * nc;
        int half = nc + 1;
        int plane = g.ih * g.iw;
        int col0 = ox0 - g.pw;
        int step = g.cg * tiles;
        float[] out = l.staged;
        for (int c = 0; c < g.cg; c++) {
            for (int i = 0; i < nr; i++) {
                for (int q = 0; q < 4; q++) {
                    int iy = oy0 + 2 * i - g.ph + q;
                    int rowStart = iy < 0 || iy >= g.ih ? -1 : xBase + c * plane + iy * g.iw;
                    split(x, rowStart, col0, g.iw, l.even[q], l.odd[q], half);
                }
                // B^T over the four rows, elementwise along each half.
                rowTransform(l.even, l.tEven, half);
                rowTransform(l.odd, l.tOdd, half);
                // B along each transformed row: tile j has columns (even j, odd j, even j+1, odd j+1).
                for (int a = 0; a < 4; a++) {
                    float[] te = l.tEven[a];
                    float[] to = l.tOdd[a];
                    float[] tn = l.nextEven[a];
                    float[] un = l.nextOdd[a];
                    System.arraycopy(te, 1, tn, 0, nc);
                    System.arraycopy(to, 1, un, 0, nc);
                    int d = (4 * a * g.cg + c) * tiles + i * nc;
                    for (int j = 0; j < nc; j++) {
                        out[j] = te[j] - tn[j];
                    }
                    System.arraycopy(out, 0, v, d, nc);
                    for (int j = 0; j < nc; j++) {
                        out[j] = to[j] + tn[j];
                    }
                    System.arraycopy(out, 0, v, d + step, nc);
                    for (int j = 0; j < nc; j++) {
                        out[j] = tn[j] - to[j];
                    }
                    System.arraycopy(out, 0, v, d + 2 * step, nc);
                    for (int j = 0; j < nc; j++) {
                        out[j] = to[j] - un[j];
                    }
                    System.arraycopy(out, 0, v, d + 3 * step, nc);
                }
            }
        }
    }

    /**
     * Columns {@code col0 + 2j} and {@code col0 + 2j + 1} ({@code j < half}) of the row starting at {@code rowStart}
     * into {@code even[j]} and {@code odd[j]}; zero outside {@code [0, width)}, and everywhere when {@code rowStart}
     * is negative.
     */
    private static void split(float[] src, int rowStart, int col0, int width, float[] even, float[] odd, int half) {
        if (rowStart < 0) {
            Arrays.fill(even, 0, half, 0f);
            Arrays.fill(odd, 0, half, 0f);
            return;
        }
        gather(src, rowStart, col0, width, even, half);
        gather(src, rowStart, col0 + 1, width, odd, half);
    }

    /** {@code dst[j] = src[rowStart + col0 + 2j]} for {@code j < n}, zero where that column is outside [0, width). */
    private static void gather(float[] src, int rowStart, int col0, int width, float[] dst, int n) {
        int lo = Math.min(n, Math.max(0, Geo.ceilDiv(-col0, 2)));
        int hi = Math.max(lo, Math.min(n, Math.floorDiv(width - 1 - col0, 2) + 1));
        if (lo > 0) {
            Arrays.fill(dst, 0, lo, 0f);
        }
        int p = rowStart + col0;
        for (int j = lo; j < hi; j++) {
            dst[j] = src[p + 2 * j];
        }
        if (hi < n) {
            Arrays.fill(dst, hi, n, 0f);
        }
    }

    /** {@code t = B^T d} over four rows, elementwise along {@code n} columns. */
    private static void rowTransform(float[][] d, float[][] t, int n) {
        float[] d0 = d[0];
        float[] d1 = d[1];
        float[] d2 = d[2];
        float[] d3 = d[3];
        float[] t0 = t[0];
        float[] t1 = t[1];
        float[] t2 = t[2];
        float[] t3 = t[3];
        for (int j = 0; j < n; j++) {
            t0[j] = d0[j] - d2[j];
            t1[j] = d1[j] + d2[j];
            t2[j] = d2[j] - d1[j];
            t3[j] = d1[j] - d3[j];
        }
    }

    /**
     * Writes {@code A^T M A} (plus the bias) for the chunk's tiles to {@code y}, rows below {@code rowEnd} and
     * columns below {@code colEnd} only: the 16 point rows of a tile row are copied out of {@code M}, transformed
     * over the row points and then into the even and odd output columns, which are interleaved into {@code y} last.
     */
    private static void outputTransform(Geo g, float[] m, int tiles, int nr, int nc, float[] y, int yBase, int oy0,
            int ox0, int rowEnd, int colEnd, float[] bias, int grp, Lanes l) {
        int step = g.kg * tiles;
        int outPlane = g.oh * g.ow;
        int full = Math.min(nc, (colEnd - ox0) / 2);
        float[] ye = l.staged;
        float[] yo = l.oddStaged;
        float[][] pt = l.points;
        for (int kk = 0; kk < g.kg; kk++) {
            float bv = bias == null ? 0f : bias[grp * g.kg + kk];
            for (int i = 0; i < nr; i++) {
                int oy = oy0 + 2 * i;
                int src = kk * tiles + i * nc;
                for (int xi = 0; xi < 16; xi++) {
                    System.arraycopy(m, src + xi * step, pt[xi], 0, nc);
                }
                for (int b = 0; b < 4; b++) {
                    float[] top = l.sums[b];
                    float[] bottom = l.sums[4 + b];
                    float[] m0 = pt[b];
                    float[] m1 = pt[4 + b];
                    float[] m2 = pt[8 + b];
                    float[] m3 = pt[12 + b];
                    for (int j = 0; j < nc; j++) {
                        top[j] = m0[j] + m1[j] + m2[j];
                        bottom[j] = m1[j] - m2[j] - m3[j];
                    }
                }
                for (int r = 0; r < 2 && oy + r < rowEnd; r++) {
                    float[] s0 = l.sums[4 * r];
                    float[] s1 = l.sums[4 * r + 1];
                    float[] s2 = l.sums[4 * r + 2];
                    float[] s3 = l.sums[4 * r + 3];
                    for (int j = 0; j < nc; j++) {
                        ye[j] = s0[j] + s1[j] + s2[j] + bv;
                        yo[j] = s1[j] - s2[j] - s3[j] + bv;
                    }
                    int d = yBase + kk * outPlane + (oy + r) * g.ow + ox0;
                    for (int j = 0; j < full; j++) {
                        y[d + 2 * j] = ye[j];
                        y[d + 2 * j + 1] = yo[j];
                    }
                    if (full < nc) {
                        y[d + 2 * full] = ye[full];
                    }
                }
            }
        }
    }

    /**
     * {@code E[xi][kk][i*nc + j] = (A dY A^T)[xi]} for the 2x2 {@code dy} tile at {@code (oy0 + 2i, ox0 + 2j)},
     * positions at or past {@code rowEnd} / {@code colEnd} read as zero.
     */
    private static void dyTransform(Geo g, float[] dy, int yBase, int oy0, int ox0, int nr, int nc, int rowEnd,
            int colEnd, float[] e, Lanes l) {
        int tiles = nr * nc;
        int step = g.kg * tiles;
        int outPlane = g.oh * g.ow;
        float[] p0e = l.even[0];
        float[] p0o = l.odd[0];
        float[] p1e = l.even[1];
        float[] p1o = l.odd[1];
        float[] out = l.staged;
        for (int kk = 0; kk < g.kg; kk++) {
            for (int i = 0; i < nr; i++) {
                int oy = oy0 + 2 * i;
                int row = yBase + kk * outPlane + oy * g.ow;
                split(dy, row, ox0, colEnd, p0e, p0o, nc);
                split(dy, oy + 1 < rowEnd ? row + g.ow : -1, ox0, colEnd, p1e, p1o, nc);
                // A over the rows: (p0, p0 + p1, p0 - p1, -p1), for even and odd columns.
                float[] r1e = l.tEven[1];
                float[] r2e = l.tEven[2];
                float[] r3e = l.tEven[3];
                float[] r1o = l.tOdd[1];
                float[] r2o = l.tOdd[2];
                float[] r3o = l.tOdd[3];
                for (int j = 0; j < nc; j++) {
                    r1e[j] = p0e[j] + p1e[j];
                    r1o[j] = p0o[j] + p1o[j];
                    r2e[j] = p0e[j] - p1e[j];
                    r2o[j] = p0o[j] - p1o[j];
                    r3e[j] = -p1e[j];
                    r3o[j] = -p1o[j];
                }
                // A over the columns of each row point.
                for (int a = 0; a < 4; a++) {
                    float[] re = a == 0 ? p0e : l.tEven[a];
                    float[] ro = a == 0 ? p0o : l.tOdd[a];
                    int d = 4 * a * step + kk * tiles + i * nc;
                    System.arraycopy(re, 0, e, d, nc);
                    for (int j = 0; j < nc; j++) {
                        out[j] = re[j] + ro[j];
                    }
                    System.arraycopy(out, 0, e, d + step, nc);
                    for (int j = 0; j < nc; j++) {
                        out[j] = re[j] - ro[j];
                    }
                    System.arraycopy(out, 0, e, d + 2 * step, nc);
                    for (int j = 0; j < nc; j++) {
                        out[j] = -ro[j];
                    }
                    System.arraycopy(out, 0, e, d + 3 * step, nc);
                }
            }
        }
    }

    /** Adds {@code G^T M[k][c] G} (3x3, in double) to {@code dw[k][c]} for every filter and channel. */
    private static void filterTransform(Geo g, float[] m, float[] dw) {
        double[] t = new double[12];
        for (int k = 0; k < g.k; k++) {
            for (int c = 0; c < g.cg; c++) {
                // Over the row points: t[r][b] = sum_a G[a][r] M[a][b].
                for (int b = 0; b < 4; b++) {
                    double m0 = m[(b * g.k + k) * g.cg + c];
                    double m1 = m[((4 + b) * g.k + k) * g.cg + c];
                    double m2 = m[((8 + b) * g.k + k) * g.cg + c];
                    double m3 = m[((12 + b) * g.k + k) * g.cg + c];
                    t[b] = m0 + 0.5 * (m1 + m2);
                    t[4 + b] = 0.5 * (m1 - m2);
                    t[8 + b] = 0.5 * (m1 + m2) + m3;
                }
                int o = (k * g.cg + c) * 9;
                for (int r = 0; r < 3; r++) {
                    double b0 = t[4 * r];
                    double b1 = t[4 * r + 1];
                    double b2 = t[4 * r + 2];
                    double b3 = t[4 * r + 3];
                    dw[o + 3 * r] += (float) (b0 + 0.5 * (b1 + b2));
                    dw[o + 3 * r + 1] += (float) (0.5 * (b1 - b2));
                    dw[o + 3 * r + 2] += (float) (0.5 * (b1 + b2) + b3);
                }
            }
        }
    }
}
