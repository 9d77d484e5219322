package org.spatialconv.perfmodel.cost;

/**
 * Even block partition of an extent {@code e} into {@code k} parts: part {@code i} starts at
 * {@code i·(e/k) + min(i, e mod k)}, so the first {@code e mod k} parts are one larger and sizes differ by at most
 * one. Parts may be empty when {@code k > e}.
 */
public final class Blocks {
    private Blocks() {
    }

    /** First index of part i. */
    public static int start(int extent, int parts, int i) {
        return i * (extent / parts) + Math.min(i, extent % parts);
    }

    /** Size of part i. */
    public static int size(int extent, int parts, int i) {
        return extent / parts + (i < extent % parts ? 1 : 0);
    }

    /** Largest part: {@code ceil(e / k)}. */
    public static int max(int extent, int parts) {
        return (extent + parts - 1) / parts;
    }

    /** Index of the part holding element x. */
    public static int owner(int extent, int parts, int x) {
        int q = extent / parts;
        int r = extent % parts;
        int big = r * (q + 1);
        return x < big ? x / (q + 1) : r + (x - big) / q;
    }
}
