package org.spatialconv.perfmodel.net;

/**
 * A 4-D activation shape N, C, H, W. Unlike {@code conv.Shape} the element count is a {@code long}: whole
 * mini-batches of 2048×2048 activations overflow an int.
 */
public record TensorShape(int n, int c, int h, int w) {
    /** @throws IllegalArgumentException if any extent is below 1 */
    public TensorShape {
        if (n < 1 || c < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException("every extent of a shape must be >= 1, got " + n + "," + c + ","
                    + h + "," + w);
        }
    }

    /** Number of elements N·C·H·W. */
    public long elements() {
        return (long) n * c * h * w;
    }

    /** Spatial extent along dimension {@code s} (0 = H, 1 = W). */
    public int spatial(int s) {
        return s == 0 ? h : w;
    }

    /** Parses {@code "n,c,h,w"}. */
    public static TensorShape parse(String text) {
        String[] parts = text.trim().split("\\s*,\\s*");
        if (parts.length != 4) {
            throw new IllegalArgumentException("shape must be n,c,h,w, got '" + text + "'");
        }
        try {
            return new TensorShape(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]),
                    Integer.parseInt(parts[2]), Integer.parseInt(parts[3]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("shape must be n,c,h,w integers, got '" + text + "'", e);
        }
    }

    @Override
    public String toString() {
        return n + "x" + c + "x" + h + "x" + w;
    }
}
