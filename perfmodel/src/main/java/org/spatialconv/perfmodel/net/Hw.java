package org.spatialconv.perfmodel.net;

/** A pair of per-spatial-dimension integers (height, width): kernel sizes, strides, paddings, dilations. */
public record Hw(int h, int w) {
    /** The same value for both dimensions. */
    public static Hw of(int v) {
        return new Hw(v, v);
    }

    /** The value for spatial dimension {@code s} (0 = H, 1 = W). */
    public int get(int s) {
        return s == 0 ? h : w;
    }

    /** True if both entries are equal. */
    public boolean square() {
        return h == w;
    }

    @Override
    public String toString() {
        return square() ? Integer.toString(h) : h + "x" + w;
    }
}
