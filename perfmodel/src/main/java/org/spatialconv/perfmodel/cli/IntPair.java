package org.spatialconv.perfmodel.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A per-dimension value (height, width) given as {@code a} (both) or {@code a,b}; sizes also accept
 * {@code HxW}.
 *
 * @param h value along the height
 * @param w value along the width
 */
public record IntPair(int h, int w) {
    /** Parses {@code a} or {@code a,b}, each a non-negative integer. */
    public static IntPair parse(String text, String what) {
        return parse(text, what, ",");
    }

    private static IntPair parse(String text, String what, String sep) {
        String[] p = text.trim().split(sep, -1);
        if (p.length == 1) {
            int v = parseCount(p[0], text, what);
            return new IntPair(v, v);
        }
        if (p.length == 2) {
            return new IntPair(parseCount(p[0], text, what), parseCount(p[1], text, what));
        }
        throw new IllegalArgumentException("'" + text + "' is not a valid " + what);
    }

    /** Parses one non-negative integer that is part of {@code whole}. */
    static int parseCount(String part, String whole, String what) {
        String s = part.trim();
        if (s.isEmpty() || !s.chars().allMatch(Character::isDigit) || s.length() > 9) {
            throw new IllegalArgumentException("'" + whole + "' is not a valid " + what);
        }
        return Integer.parseInt(s);
    }

    @Override
    public String toString() {
        return h == w ? Integer.toString(h) : h + "," + w;
    }

    /** Converter for {@code a} or {@code a,b} (stride, padding, dilation, kernel). */
    public static final class Converter implements ITypeConverter<IntPair> {
        @Override
        public IntPair convert(String value) {
            try {
                return parse(value, "value: expected a or a,b (height,width), e.g. 2 or 2,1");
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Converter for sizes {@code HxW} (or {@code H} for square). */
    public static final class SizeConverter implements ITypeConverter<IntPair> {
        @Override
        public IntPair convert(String value) {
            try {
                return parse(value.toLowerCase(java.util.Locale.ROOT), "size: expected HxW, e.g. 1024x1024", "x");
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
