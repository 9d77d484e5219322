package org.spatialconv.conv;

import java.util.Arrays;

/**
 * A box {@code [lo, hi)} over the spatial dimensions of a tensor. Backends compute only the outputs inside a
 * window, which is how the decomposition splits a layer into an interior part (computed while halos are in
 * flight) and boundary strips (computed after they arrive).
 */
public record Window(int[] lo, int[] hi) {
    /** Validates that {@code lo <= hi} per dimension. */
    public Window {
        if (lo.length != hi.length) {
            throw new IllegalArgumentException("window bounds differ in rank");
        }
        lo = lo.clone();
        hi = hi.clone();
        for (int i = 0; i < lo.length; i++) {
            if (lo[i] < 0 || hi[i] < lo[i]) {
                throw new IllegalArgumentException("bad window " + Arrays.toString(lo) + ".." + Arrays.toString(hi));
            }
        }
    }

    /** The whole spatial extent of {@code shape}. */
    public static Window full(Shape shape) {
        int d = shape.spatialRank();
        int[] lo = new int[d];
        int[] hi = new int[d];
        for (int s = 0; s < d; s++) {
            hi[s] = shape.spatial(s);
        }
        return new Window(lo, hi);
    }

    /** A 2-D window of rows {@code [h0, h1)} and columns {@code [w0, w1)}. */
    public static Window of2d(int h0, int h1, int w0, int w1) {
        return new Window(new int[] {h0, w0}, new int[] {h1, w1});
    }

    public int rank() {
        return lo.length;
    }

    public int lo(int s) {
        return lo[s];
    }

    public int hi(int s) {
        return hi[s];
    }

    public int extent(int s) {
        return hi[s] - lo[s];
    }

    public boolean isEmpty() {
        for (int s = 0; s < lo.length; s++) {
            if (hi[s] == lo[s]) {
                return true;
            }
        }
        return false;
    }

    /** True if the window lies inside {@code shape}'s spatial extent. */
    public boolean fits(Shape shape) {
        if (shape.spatialRank() != lo.length) {
            return false;
        }
        for (int s = 0; s < lo.length; s++) {
            if (hi[s] > shape.spatial(s)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Window w && Arrays.equals(lo, w.lo) && Arrays.equals(hi, w.hi);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(lo) + Arrays.hashCode(hi);
    }

    @Override
    public String toString() {
        return Arrays.toString(lo) + ".." + Arrays.toString(hi);
    }
}
