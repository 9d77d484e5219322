package org.spatialconv.conv.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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

    /** Forward over output window {@code win}: the heuristic tile for its filters per group and pixels. */
    public static ConvLaunch forward(Shape x, Shape w, ConvGeometry g, Window win) {
        return forward(x, w, g, win, null);
    }

    /** Backward-data over input window {@code win}: the heuristic tile for its channels per group and pixels. */
    public static ConvLaunch backwardData(Shape x, Shape w, ConvGeometry g, Window win) {
        return backwardData(x, w, g, win, null);
    }

    /**
     * Backward-filter over dy window {@code win} on a device with {@code sms} multiprocessors, the heuristic tile
     * (m64 for more than 16 filters per group, m16 otherwise): split-K over pixel tiles so that small filter counts
     * still fill the device.
     */
    public static ConvLaunch backwardFilter(Shape x, Shape w, ConvGeometry g, Window win, int sms) {
        return backwardFilter(x, w, g, win, sms, null);
    }

    /**
     * Backward-filter with the given variant ({@link #filterVariantNames()}; null: the heuristic one). The split
     * factor, and so the workspace, depends on the tile.
     */
    public static ConvLaunch backwardFilter(Shape x, Shape w, ConvGeometry g, Window win, int sms, String variant) {
        Shape y = g.outputShape(x, w);
        int kg = w.dim(0) / g.groups();
        Tile t = variant == null ? tileOf(heuristicFilterTile(kg), FILTER_TILES).orElseThrow()
                : tileOf(variant, FILTER_TILES).orElseThrow(() -> new IllegalArgumentException(
                        "unknown backward-filter tile variant '" + variant + "' (one of "
                                + String.join(", ", filterVariantNames()) + ")"));
        int bm = t.rows();
        int bn = t.columns();
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
        return new ConvLaunch(FILTER_PREFIX + (variant == null ? t.name() : variant), grid, t.threads(), p, splits,
                (long) splits * w.size());
    }

    /**
     * One tile shape: {@code rows} (BM) by {@code columns} (BN) per block of {@code threads}. Forward / backward-data
     * tiles (conv.cu's {@code SC_CONV_TILES}) have filters / channels as rows and pixels as columns; backward-filter
     * tiles (conv_filter.cu's {@code SC_CONV_FILTER_TILES}) filters as rows and the (c, r, s) of a filter as columns.
     * Each is compiled plain and pipelined ({@link #PIPELINED} suffix: two shared-memory stages); the variants of a
     * pass give bit-identical results (backward-filter: for the same split factor).
     */
    public record Tile(String name, int rows, int columns, int threads) {
    }

    /** The tiles, in conv.cu's order. */
    public static final List<Tile> TILES = List.of(new Tile("m64", 64, 64, 256), new Tile("m32", 32, 128, 256),
            new Tile("m16", 16, 128, 256), new Tile("m128n128", 128, 128, 256), new Tile("m64n128", 64, 128, 128),
            new Tile("m16n256", 16, 256, 256));
    /** The backward-filter tiles, in conv_filter.cu's order. */
    public static final List<Tile> FILTER_TILES = List.of(new Tile("m64", 64, 64, 256), new Tile("m16", 16, 128, 256),
            new Tile("m128n128", 128, 128, 256), new Tile("m16n256", 16, 256, 256));
    private static final List<String> VARIANTS = variants(TILES);
    private static final List<String> FILTER_VARIANTS = variants(FILTER_TILES);
    /** Kernel-name suffix of the pipelined variant of a tile. */
    public static final String PIPELINED = "_pipe";
    /** Kernel-name suffix of the TF32 tensor-core variant of a tile (pipelined; inputs rounded to TF32). */
    public static final String TF32 = "_tf32";
    /**
     * The TF32 tensor-core variants (forward and backward-data): opt-in ({@link TileSelector#MATH_PROPERTY}), since
     * rounding the inputs to 10 mantissa bits moves results by ~1e-4 relative; not bit-identical to the others.
     */
    public static final List<String> TF32_VARIANTS = List.of("m128n128" + TF32);
    private static final String FORWARD_PREFIX = "sc_conv_fwd_";
    private static final String BACKWARD_DATA_PREFIX = "sc_conv_bwd_data_";
    private static final String FILTER_PREFIX = "sc_conv_bwd_filter_";

    /**
     * Every forward and backward-data kernel name: each tile plain and pipelined, and the TF32 variants (the fatbin
     * must hold them all).
     */
    public static List<String> gemmKernelNames() {
        List<String> names = new ArrayList<>();
        for (String prefix : List.of(FORWARD_PREFIX, BACKWARD_DATA_PREFIX)) {
            for (String v : variantNames()) {
                names.add(prefix + v);
            }
            for (String v : TF32_VARIANTS) {
                names.add(prefix + v);
            }
        }
        return names;
    }

    /** Every backward-filter kernel name, each tile plain and pipelined. */
    public static List<String> filterKernelNames() {
        return filterVariantNames().stream().map(v -> FILTER_PREFIX + v).toList();
    }

    /** The forward / backward-data variant names: every tile, plain then pipelined ({@code m64}, {@code m64_pipe}, ...). */
    public static List<String> variantNames() {
        return VARIANTS;
    }

    /** The backward-filter variant names. */
    public static List<String> filterVariantNames() {
        return FILTER_VARIANTS;
    }

    private static List<String> variants(List<Tile> tiles) {
        List<String> v = new ArrayList<>();
        for (Tile t : tiles) {
            v.add(t.name());
            v.add(t.name() + PIPELINED);
        }
        return List.copyOf(v);
    }

    /** The forward / backward-data tile of variant {@code name} ({@code m128n128} or {@code m128n128_pipe}). */
    static Optional<Tile> tileOf(String variant) {
        return tileOf(variant, TILES);
    }

    /** The tile of a variant in {@code tiles} ({@link #TILES} or {@link #FILTER_TILES}), if it is one. */
    static Optional<Tile> tileOf(String variant, List<Tile> tiles) {
        String base = variant;
        for (String suffix : List.of(PIPELINED, TF32)) {
            if (variant.endsWith(suffix)) {
                base = variant.substring(0, variant.length() - suffix.length());
            }
        }
        String b = base;
        return tiles.stream().filter(t -> t.name().equals(b)).findFirst();
    }

    /** Whether {@code variant} names a forward / backward-data kernel: a float32 variant or a TF32 one. */
    public static boolean isGemmVariant(String variant) {
        return variantNames().contains(variant) || TF32_VARIANTS.contains(variant);
    }

    /**
     * Forward over output window {@code win} with the given variant, or the heuristic one where {@code variant} is
     * null (any tile computes any problem; the choice is only about speed).
     */
    public static ConvLaunch forward(Shape x, Shape w, ConvGeometry g, Window win, String variant) {
        Shape y = g.outputShape(x, w);
        return gemm(FORWARD_PREFIX, variant, w.dim(0) / g.groups(), x, y, g, win);
    }

    /** Backward-data over input window {@code win} with the given variant (null: the heuristic one). */
    public static ConvLaunch backwardData(Shape x, Shape w, ConvGeometry g, Window win, String variant) {
        Shape y = g.outputShape(x, w);
        return gemm(BACKWARD_DATA_PREFIX, variant, x.c() / g.groups(), x, y, g, win);
    }

    /**
     * The variants worth measuring for a problem with {@code m} GEMM rows: the heuristic's first, then every tile
     * that wastes at most half its rows (and the 16-row tiles, which always qualify), plain and pipelined.
     */
    public static List<String> candidateVariants(int m, long pixels) {
        return candidateVariants(m, pixels, false);
    }

    /** {@link #candidateVariants(int, long)}, and where {@code tf32} the TF32 tensor-core variants too. */
    public static List<String> candidateVariants(int m, long pixels, boolean tf32) {
        List<String> v = candidates(heuristicTile(m, pixels).name(), m, TILES);
        if (tf32) {
            v.addAll(TF32_VARIANTS);
        }
        return v;
    }

    /** The backward-filter variants worth measuring for {@code kg} filters per group, the heuristic's first. */
    public static List<String> filterCandidateVariants(int kg) {
        return candidates(heuristicFilterTile(kg), kg, FILTER_TILES);
    }

    /** The heuristic backward-filter tile: 64x64 for more than 16 filters per group, 16x128 otherwise. */
    private static String heuristicFilterTile(int kg) {
        return kg > 16 ? "m64" : "m16";
    }

    private static List<String> candidates(String heuristic, int m, List<Tile> tiles) {
        List<String> v = new ArrayList<>();
        v.add(heuristic);
        v.add(heuristic + PIPELINED);
        int rows = (int) ceilDiv(m, 16) * 16;
        for (Tile t : tiles) {
            if (!t.name().equals(heuristic) && (t.rows() == 16 || t.rows() < 2 * rows)) {
                v.add(t.name());
                v.add(t.name() + PIPELINED);
            }
        }
        return v;
    }

    /**
     * The heuristic tile: 8x8 register tiles (128x128 with 256 threads, 64x128 with 128 threads) and the 16x256
     * all-rows-per-thread tile for large problems, smaller tiles where rows or pixels are few. A first guess that
     * {@link CudaConv} replaces by measurement on a GPU.
     */
    static Tile heuristicTile(int m, long pixels) {
        String name;
        if (m >= 96 && pixels >= BIG_TILE_PIXELS) {
            name = "m128n128";
        } else if (m >= 48 && pixels >= BIG_TILE_PIXELS) {
            name = "m64n128";
        } else if (m <= 16 && pixels >= BIG_TILE_PIXELS) {
            name = "m16n256";
        } else {
            name = m >= 48 ? "m64" : m > 16 ? "m32" : "m16";
        }
        return tileOf(name).orElseThrow();
    }

    private static ConvLaunch gemm(String prefix, String variant, int m, Shape x, Shape y, ConvGeometry g,
            Window win) {
        long pixels = (long) x.n() * win.extent(0) * win.extent(1);
        if (variant != null && !isGemmVariant(variant)) {
            throw new IllegalArgumentException("unknown tile variant '" + variant + "' (one of "
                    + String.join(", ", variantNames()) + ", " + String.join(", ", TF32_VARIANTS) + ")");
        }
        Tile t = variant == null ? heuristicTile(m, pixels) : tileOf(variant).orElseThrow();
        String name = variant == null ? t.name() : variant;
        int[] grid = {checkedGrid(ceilDiv(pixels, t.columns()), Integer.MAX_VALUE, "x"),
            checkedGrid(ceilDiv(m, t.rows()), MAX_GRID_YZ, "y"), checkedGrid(g.groups(), MAX_GRID_YZ, "z")};
        return new ConvLaunch(prefix + name, grid, t.threads(), params(x, y, g, win), 1, 0);
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
