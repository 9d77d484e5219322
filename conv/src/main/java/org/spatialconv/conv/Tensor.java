package org.spatialconv.conv;

import java.util.Arrays;

/**
 * A dense float32 tensor on the heap: a {@link Shape} and a row-major {@code float[]} of exactly that size.
 * The array is shared, not copied, so kernels write into it in place.
 */
public final class Tensor {
    private final Shape shape;
    private final float[] data;

    /** Wraps {@code data}, which must hold exactly {@code shape.size()} elements. */
    public Tensor(Shape shape, float[] data) {
        if (data.length != shape.size()) {
            throw new IllegalArgumentException(
                    "data has " + data.length + " elements but shape " + shape + " needs " + shape.size());
        }
        this.shape = shape;
        this.data = data;
    }

    /** A zero-filled tensor. */
    public static Tensor zeros(Shape shape) {
        return new Tensor(shape, new float[shape.size()]);
    }

    /** A zero-filled tensor of the given dimensions. */
    public static Tensor zeros(int... dims) {
        return zeros(Shape.of(dims));
    }

    public Shape shape() {
        return shape;
    }

    /** The backing array (not a copy). */
    public float[] data() {
        return data;
    }

    /** A deep copy. */
    public Tensor copy() {
        return new Tensor(shape, data.clone());
    }

    public void fill(float v) {
        Arrays.fill(data, v);
    }

    /** Flat row-major index of a 4-D element. */
    public int index(int n, int c, int h, int w) {
        return ((n * shape.dim(1) + c) * shape.dim(2) + h) * shape.dim(3) + w;
    }

    public float get(int n, int c, int h, int w) {
        return data[index(n, c, h, w)];
    }

    public void set(int n, int c, int h, int w, float v) {
        data[index(n, c, h, w)] = v;
    }

    @Override
    public String toString() {
        return "Tensor[" + shape + "]";
    }
}
