package org.spatialconv.decomposition.grid;

import java.util.Arrays;

/**
 * A global shape split over a {@link ProcessGrid}: along each dimension the extent is cut into
 * {@code parts} contiguous blocks whose sizes differ by at most one (the first {@code extent % parts} blocks
 * are one larger). Uneven blocks are normal; a dimension cut into more parts than it has elements is an error.
 */
public final class Distribution {
    private final ProcessGrid grid;
    private final int[] dims;

    /**
     * Distributes {@code dims} over {@code grid}.
     *
     * @throws IllegalArgumentException if the ranks differ or a dimension has fewer elements than parts
     */
    public Distribution(ProcessGrid grid, int[] dims) {
        if (grid.rank() != dims.length) {
            throw new IllegalArgumentException("grid " + grid + " has " + grid.rank() + " dimensions but the shape "
                    + Arrays.toString(dims) + " has " + dims.length);
        }
        for (int d = 0; d < dims.length; d++) {
            if (grid.parts(d) > dims[d]) {
                throw new IllegalArgumentException("grid " + grid + " splits dimension " + d + " of shape "
                        + Arrays.toString(dims) + " into " + grid.parts(d) + " parts but it has only " + dims[d]
                        + " elements");
            }
        }
        this.grid = grid;
        this.dims = dims.clone();
    }

    /** The grid the shape is split over. */
    public ProcessGrid grid() {
        return grid;
    }

    /** The global extents. */
    public int[] dims() {
        return dims.clone();
    }

    /** The whole global box. */
    public Region global() {
        return Region.of(dims);
    }

    /** Start of block {@code i} of {@code parts} over {@code extent} elements (i may equal parts: the end). */
    public static int blockStart(int extent, int parts, int i) {
        return i * (extent / parts) + Math.min(i, extent % parts);
    }

    /** The box owned by {@code rank}. */
    public Region own(int rank) {
        int[] c = grid.coords(rank);
        int[] lo = new int[dims.length];
        int[] hi = new int[dims.length];
        for (int d = 0; d < dims.length; d++) {
            lo[d] = blockStart(dims[d], grid.parts(d), c[d]);
            hi[d] = blockStart(dims[d], grid.parts(d), c[d] + 1);
        }
        return new Region(lo, hi);
    }

    /** The boxes of every rank, indexed by rank. */
    public Region[] owns() {
        Region[] r = new Region[grid.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = own(i);
        }
        return r;
    }

    @Override
    public String toString() {
        return "Distribution[" + Arrays.toString(dims) + " over " + grid + "]";
    }
}
