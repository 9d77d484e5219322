package org.spatialconv.perfmodel.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A process grid as the user gives it: parts over samples, rows and columns ({@code n,h,w}). Only the syntax is
 * checked here; what a grid can do is the decomposition engine's business.
 *
 * @param n parts over the samples
 * @param h parts over the rows
 * @param w parts over the columns
 */
public record GridSpec(int n, int h, int w) {
    /** The single-rank grid {@code 1,1,1}. */
    public static final GridSpec SINGLE = new GridSpec(1, 1, 1);

    /** Validates that every part count is at least 1. */
    public GridSpec {
        if (n < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException("grid " + n + "," + h + "," + w + " must have parts >= 1");
        }
    }

    /** Number of ranks: {@code n*h*w}. */
    public int ranks() {
        return n * h * w;
    }

    /** True for {@code 1,1,1}. */
    public boolean isSingle() {
        return ranks() == 1;
    }

    @Override
    public String toString() {
        return n + "," + h + "," + w;
    }

    /** Parses {@code n,h,w}. */
    public static GridSpec parse(String text) {
        String[] p = text.trim().split(",", -1);
        if (p.length != 3) {
            throw new IllegalArgumentException("'" + text + "' is not a grid: expected n,h,w (three counts, e.g. 1,2,2)");
        }
        int[] v = new int[3];
        for (int i = 0; i < 3; i++) {
            v[i] = IntPair.parseCount(p[i], text, "grid n,h,w");
        }
        return new GridSpec(v[0], v[1], v[2]);
    }

    /** picocli converter for {@code --grid}. */
    public static final class Converter implements ITypeConverter<GridSpec> {
        @Override
        public GridSpec convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
