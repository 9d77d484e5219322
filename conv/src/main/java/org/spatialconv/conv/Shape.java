package org.spatialconv.conv;

import java.util.Arrays;

/**
 * Immutable tensor shape in N,C,spatial... order (N,C,H,W for 2-D, N,C,D,H,W for 3-D), row-major.
 * Dimensions are positive; the element count must fit in an {@code int} because tensors live in one heap array.
 */
public final class Shape {
    private final int[] dims;

    private Shape(int[] dims) {
        if (dims.length < 1) {
            throw new IllegalArgumentException("shape needs at least one dimension");
        }
        long size = 1;
        for (int d : dims) {
            if (d <= 0) {
                throw new IllegalArgumentException("shape dimensions must be positive: " + Arrays.toString(dims));
            }
            size *= d;
            if (size > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has more than 2^31 elements");
            }
        }
        this.dims = dims;
    }

    /** A shape with the given dimensions. */
    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    /** A 4-D N,C,H,W shape. */
    public static Shape nchw(int n, int c, int h, int w) {
        return new Shape(new int[] {n, c, h, w});
    }

    public int rank() {
        return dims.length;
    }

    /** Number of spatial dimensions (rank minus the N and C dimensions). */
    public int spatialRank() {
        return dims.length - 2;
    }

    public int dim(int i) {
        return dims[i];
    }

    /** Copy of the dimensions. */
    public int[] dims() {
        return dims.clone();
    }

    public int n() {
        return dims[0];
    }

    public int c() {
        return dims[1];
    }

    /** Height: the second-to-last dimension. */
    public int h() {
        return dims[dims.length - 2];
    }

    /** Width: the last dimension. */
    public int w() {
        return dims[dims.length - 1];
    }

    /** Size of spatial dimension {@code s} (0-based among the spatial dimensions). */
    public int spatial(int s) {
        return dims[2 + s];
    }

    /** Product of all dimensions. */
    public int size() {
        int s = 1;
        for (int d : dims) {
            s *= d;
        }
        return s;
    }

    /** Row-major stride of dimension {@code i} in elements. */
    public int stride(int i) {
        int s = 1;
        for (int k = dims.length - 1; k > i; k--) {
            s *= dims[k];
        }
        return s;
    }

    /** This shape with dimension {@code i} replaced. */
    public Shape with(int i, int value) {
        int[] d = dims.clone();
        d[i] = value;
        return new Shape(d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                b.append('x');
            }
            b.append(dims[i]);
        }
        return b.toString();
    }
}
