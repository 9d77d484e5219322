package org.spatialconv.decomposition.grid;

import java.util.Arrays;

/**
 * A grid of ranks over the tensor dimensions N,C,H,W (one part count per dimension). Ranks are numbered
 * row-major over the coordinates, so the last dimension varies fastest. Sample-parallel is {@code P,1,1,1},
 * spatial {@code 1,1,a,b}, hybrid {@code n,1,a,b}.
 */
public final class ProcessGrid {
    private final int[] parts;
    private final int size;

    /**
     * A grid with {@code parts[d]} parts along dimension {@code d}.
     *
     * @throws IllegalArgumentException if a part count is below 1
     */
    public ProcessGrid(int... parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("a process grid needs at least one dimension");
        }
        long s = 1;
        for (int p : parts) {
            if (p < 1) {
                throw new IllegalArgumentException("grid parts must be >= 1, got " + Arrays.toString(parts));
            }
            s *= p;
            if (s > 1 << 20) {
                throw new IllegalArgumentException("grid " + Arrays.toString(parts) + " has too many ranks");
            }
        }
        this.parts = parts.clone();
        this.size = (int) s;
    }

    /** A 2-D-data grid N,1,H,W. */
    public static ProcessGrid nhw(int n, int h, int w) {
        return new ProcessGrid(n, 1, h, w);
    }

    /**
     * Parses {@code "n,h,w"} (channels unsplit) or {@code "n,c,h,w"}.
     *
     * @throws IllegalArgumentException with a one-line message on malformed text
     */
    public static ProcessGrid parse(String text) {
        String[] f = text.trim().split(",");
        if (f.length != 3 && f.length != 4) {
            throw new IllegalArgumentException("grid must be n,h,w or n,c,h,w, got '" + text + "'");
        }
        int[] v = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            try {
                v[i] = Integer.parseInt(f[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("grid must be n,h,w or n,c,h,w with integers, got '" + text + "'");
            }
        }
        return f.length == 3 ? nhw(v[0], v[1], v[2]) : new ProcessGrid(v);
    }

    /** Number of grid dimensions. */
    public int rank() {
        return parts.length;
    }

    /** Parts along dimension {@code d}. */
    public int parts(int d) {
        return parts[d];
    }

    /** Number of ranks (product of the parts). */
    public int size() {
        return size;
    }

    /**
     * Checks that this grid has exactly {@code ranks} cells.
     *
     * @throws IllegalArgumentException if not
     */
    public ProcessGrid requireSize(int ranks) {
        if (ranks != size) {
            throw new IllegalArgumentException("grid " + this + " has " + size + " cells but there are " + ranks
                    + " ranks");
        }
        return this;
    }

    /** Coordinates of {@code rank}. */
    public int[] coords(int rank) {
        if (rank < 0 || rank >= size) {
            throw new IllegalArgumentException("rank " + rank + " outside grid " + this);
        }
        int[] c = new int[parts.length];
        int r = rank;
        for (int d = parts.length - 1; d >= 0; d--) {
            c[d] = r % parts[d];
            r /= parts[d];
        }
        return c;
    }

    /** Rank at {@code coords}. */
    public int rankOf(int... coords) {
        if (coords.length != parts.length) {
            throw new IllegalArgumentException("coordinates " + Arrays.toString(coords) + " do not match grid " + this);
        }
        int r = 0;
        for (int d = 0; d < parts.length; d++) {
            if (coords[d] < 0 || coords[d] >= parts[d]) {
                throw new IllegalArgumentException("coordinates " + Arrays.toString(coords) + " outside grid " + this);
            }
            r = r * parts[d] + coords[d];
        }
        return r;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProcessGrid g && Arrays.equals(parts, g.parts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(parts);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(parts[i]);
        }
        return b.toString();
    }
}
