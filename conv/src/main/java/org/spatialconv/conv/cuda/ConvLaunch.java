package org.spatialconv.conv.cuda;

import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Window;

/**
 * Launch geometry of the convolution kernels (pure math, tested without a GPU). Mirrors the tile shapes and the
 * {@code ConvParams} layout in native/src/main/cuda/common.cuh, conv.cu and conv_filter.cu.
 *
 * @param kernel  kernel name in the fatbin
 * @param grid    grid dimensions x, y, z
 * @param block   threads per block
 * @param params  the ConvParams struct, field by field
 * @param splits  split-K factor (backward-filter; 1 otherwise)
 * @param workspaceFloats floats of workspace needed (backward-filter partial sums; 0 otherwise)
 */
public record ConvLaunch(String kernel, int[] grid, int block, int[] params, int splits, long workspaceFloats) {
    /** Threads per block of the convolution kernels except the 128-thread m64n128 tile. */
    public static final int THREADS = 256;
    /** Reduction tile depth (CONV_BK). */
    public static final int BK = 16;
    /** Number of int fields of ConvParams. */
    public static final int PARAM_FIELDS = 23;
    /** Smallest number of reduction tiles per split, so each split block does real work. */
    static final int MIN_TILES_PER_SPLIT = 8;
    /** Blocks per streaming multiprocessor that backward-filter aims for when choosing the split factor. */
    static final int BLOCKS_PER_SM = 4;
    /** Pixels (N x window) from which forward and backward-data use the 8x8 register tiles. */
    static final int BIG_TILE_PIXELS = 32768;
    private static final int MAX_GRID_YZ = 65535;

    /** Forward over output window {@code win}: tile chosen by filters per group. */
    public static ConvLaunch forward(Shape x, Shape w, ConvGeometry g, Window win) {
        Shape y = g.outputShape(x, w);
        int kg = w.dim(0) / g.groups();
        return gemm("sc_conv_fwd_", kg, x, y, g, win);
    }

    /** Backward-data over input window {@code win}: tile chosen by input channels per group. */
    public static ConvLaunch backwardData(Shape x, Shape w, ConvGeometry g, Window win) {
        Shape y = g.outputShape(x, w);
        return gemm("sc_conv_bwd_data_", x.c() / g.groups(), x, y, g, win);
    }

    /**
     * Backward-filter over dy window {@code win} on a device with {@code sms} multiprocessors: split-K over
     * pixel tiles so that small filter counts still fill the device.
     */
    public static ConvLaunch backwardFilter(Shape x, Shape w, ConvGeometry g, Window win, int sms) {
        Shape y = g.outputShape(x, w);
        int kg = w.dim(0) / g.groups();
        boolean wide = kg > 16;
        int bm = wide ? 64 : 16;
        int bn = wide ? 64 : 128;
        long q = (long) (x.c() / g.groups()) * g.kernel(0) * g.kernel(1);
        long pixels = (long) x.n() * win.extent(0) * win.extent(1);
        if (pixels == 0) {
            throw new IllegalArgumentException("empty backward-filter window " + win);
        }
        int tiles = (int) ceilDiv(pixels, BK);
        long base = ceilDiv(q, bn) * ceilDiv(kg, bm) * g.groups();
        long wanted = ceilDiv((long) Math.max(sms, 1) * BLOCKS_PER_SM, base);
        int maxSplits = (int) Math.max(1, Math.min(ceilDiv(tiles, MIN_TILES_PER_SPLIT), MAX_GRID_YZ / g.groups()));
        int splits = (int) Math.max(1, Math.min(wanted, maxSplits));
        int tilesPerSplit = (int) ceilDiv(tiles, splits);
        splits = (int) ceilDiv(tiles, tilesPerSplit);
        int[] p = params(x, y, g, win);
        p[22] = tilesPerSplit;
        int[] grid = {checkedGrid(ceilDiv(q, bn), Integer.MAX_VALUE, "x"), checkedGrid(ceilDiv(kg, bm), MAX_GRID_YZ, "y"),
            checkedGrid((long) g.groups() * splits, MAX_GRID_YZ, "z")};
        return new ConvLaunch("sc_conv_bwd_filter_" + (wide ? "m64" : "m16"), grid, THREADS, p, splits,
                (long) splits * w.size());
    }

    /**
     * Forward and backward-data tiles: 8x8 register tiles (128x128 with 256 threads, 64x128 with 128 threads) and
     * the 16x256 all-rows-per-thread tile for large problems, smaller tiles where rows or pixels are few. The thresholds are a first guess pending GPU
     * measurement.
     */
    private static ConvLaunch gemm(String prefix, int m, Shape x, Shape y, ConvGeometry g, Window win) {
        long pixels = (long) x.n() * win.extent(0) * win.extent(1);
        String tile;
        int bm;
        int bn;
        int threads = THREADS;
        if (m >= 96 && pixels >= BIG_TILE_PIXELS) {
            tile = "m128n128";
            bm = 128;
            bn = 128;
        } else if (m >= 48 && pixels >= BIG_TILE_PIXELS) {
            tile = "m64n128";
            bm = 64;
            bn = 128;
            threads = 128;
        } else if (m <= 16 && pixels >= BIG_TILE_PIXELS) {
            tile = "m16n256";
            bm = 16;
            bn = 256;
        } else {
            bm = m >= 48 ? 64 : m > 16 ? 32 : 16;
            bn = bm == 64 ? 64 : 128;
            tile = "m" + bm;
        }
        int[] grid = {checkedGrid(ceilDiv(pixels, bn), Integer.MAX_VALUE, "x"), checkedGrid(ceilDiv(m, bm), MAX_GRID_YZ, "y"),
            checkedGrid(g.groups(), MAX_GRID_YZ, "z")};
        return new ConvLaunch(prefix + tile, grid, threads, params(x, y, g, win), 1, 0);
    }

    /** The ConvParams fields in struct order (common.cuh). */
    static int[] params(Shape x, Shape y, ConvGeometry g, Window win) {
        if (g.spatialRank() != 2) {
            throw new IllegalArgumentException("the CUDA kernels are 2-D; got " + g.spatialRank() + " spatial dimensions");
        }
        int groups = g.groups();
        return new int[] {x.n(), x.c(), x.h(), x.w(), y.c(), y.h(), y.w(), groups, x.c() / groups, y.c() / groups,
            g.kernel(0), g.kernel(1), g.stride(0), g.stride(1), g.padLo(0), g.padLo(1), g.dilation(0), g.dilation(1),
            win.lo(0), win.lo(1), win.extent(0), win.extent(1), 0};
    }

    /** Grid for an elementwise kernel over {@code count} elements with grid-stride loops (capped block count). */
    public static int[] elementwiseGrid(long count, int block) {
        return new int[] {(int) Math.max(1, Math.min(ceilDiv(count, block), 65535L * 16)), 1, 1};
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    private static int checkedGrid(long v, long max, String dim) {
        if (v < 1 || v > max) {
            throw new IllegalArgumentException("problem too large for one launch: grid." + dim + " = " + v);
        }
        return (int) v;
    }
}
