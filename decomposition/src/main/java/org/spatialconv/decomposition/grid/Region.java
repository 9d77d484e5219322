package org.spatialconv.decomposition.grid;

import java.util.Arrays;

/**
 * A box {@code [lo, hi)} of global indices, one range per tensor dimension (N,C,H,W for 2-D data). An empty
 * region (some {@code hi == lo}) is valid and is what an intersection of disjoint boxes returns.
 */
public final class Region {
    private final int[] lo;
    private final int[] hi;

    /**
     * A box with the given bounds.
     *
     * @throws IllegalArgumentException if the bounds differ in length or some {@code hi < lo}
     */
    public Region(int[] lo, int[] hi) {
        if (lo.length != hi.length || lo.length == 0) {
            throw new IllegalArgumentException("region bounds must have the same, non-zero length");
        }
        for (int i = 0; i < lo.length; i++) {
            if (hi[i] < lo[i]) {
                throw new IllegalArgumentException("bad region " + Arrays.toString(lo) + ".." + Arrays.toString(hi));
            }
        }
        this.lo = lo.clone();
        this.hi = hi.clone();
    }

    /** The box {@code [0, dims)}. */
    public static Region of(int... dims) {
        return new Region(new int[dims.length], dims);
    }

    /** Number of dimensions. */
    public int rank() {
        return lo.length;
    }

    /** Copy of the lower bounds. */
    public int[] lo() {
        return lo.clone();
    }

    /** Lower bound (inclusive) along {@code d}. */
    public int lo(int d) {
        return lo[d];
    }

    /** Upper bound (exclusive) along {@code d}. */
    public int hi(int d) {
        return hi[d];
    }

    /** Length along {@code d}. */
    public int extent(int d) {
        return hi[d] - lo[d];
    }

    /** The extents as an array (usable as a tensor shape when non-empty). */
    public int[] extents() {
        int[] e = new int[lo.length];
        for (int d = 0; d < lo.length; d++) {
            e[d] = hi[d] - lo[d];
        }
        return e;
    }

    /** Number of elements (0 if empty). */
    public long size() {
        long s = 1;
        for (int d = 0; d < lo.length; d++) {
            s *= hi[d] - lo[d];
        }
        return s;
    }

    /** True if some dimension has zero length. */
    public boolean isEmpty() {
        return size() == 0;
    }

    /** The common part of the two boxes; empty (at this box's {@code lo}) when they do not overlap. */
    public Region intersect(Region o) {
        requireSameRank(o);
        int[] l = new int[lo.length];
        int[] h = new int[lo.length];
        for (int d = 0; d < lo.length; d++) {
            l[d] = Math.max(lo[d], o.lo[d]);
            h[d] = Math.min(hi[d], o.hi[d]);
            if (h[d] <= l[d]) {
                return new Region(lo, lo);
            }
        }
        return new Region(l, h);
    }

    /** The smallest box holding both. */
    public Region hull(Region o) {
        requireSameRank(o);
        int[] l = new int[lo.length];
        int[] h = new int[lo.length];
        for (int d = 0; d < lo.length; d++) {
            l[d] = Math.min(lo[d], o.lo[d]);
            h[d] = Math.max(hi[d], o.hi[d]);
        }
        return new Region(l, h);
    }

    /** True if {@code o} lies inside this box (an empty box lies inside any box). */
    public boolean contains(Region o) {
        requireSameRank(o);
        if (o.isEmpty()) {
            return true;
        }
        for (int d = 0; d < lo.length; d++) {
            if (o.lo[d] < lo[d] || o.hi[d] > hi[d]) {
                return false;
            }
        }
        return true;
    }

    /** This box with dimension {@code d} replaced by {@code [l, h)}. */
    public Region with(int d, int l, int h) {
        int[] nl = lo.clone();
        int[] nh = hi.clone();
        nl[d] = l;
        nh[d] = h;
        return new Region(nl, nh);
    }

    /** This box moved by {@code -origin} (global to local coordinates of a block starting at {@code origin}). */
    public Region relativeTo(Region origin) {
        requireSameRank(origin);
        int[] l = new int[lo.length];
        int[] h = new int[lo.length];
        for (int d = 0; d < lo.length; d++) {
            l[d] = lo[d] - origin.lo[d];
            h[d] = hi[d] - origin.lo[d];
        }
        return new Region(l, h);
    }

    private void requireSameRank(Region o) {
        if (o.lo.length != lo.length) {
            throw new IllegalArgumentException("regions differ in rank: " + this + " vs " + o);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Region r && Arrays.equals(lo, r.lo) && Arrays.equals(hi, r.hi);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(lo) + Arrays.hashCode(hi);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("[");
        for (int d = 0; d < lo.length; d++) {
            if (d > 0) {
                b.append(", ");
            }
            b.append(lo[d]).append(':').append(hi[d]);
        }
        return b.append(']').toString();
    }
}
