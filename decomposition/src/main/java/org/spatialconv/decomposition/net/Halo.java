package org.spatialconv.decomposition.net;

import org.spatialconv.conv.ConvGeometry;

/**
 * Halo math of a window operator (convolution, pooling) along one spatial dimension. Outputs {@code [o0, o1)}
 * read inputs {@code [o0*S - padLo, (o1-1)*S - padLo + span)}; the part outside {@code [0, in)} is padding.
 * Clipping gives the local input range and the local padding that makes the local sub-problem produce exactly
 * those outputs.
 */
final class Halo {
    private Halo() {
    }

    /**
     * @return {@code {lo, hi, localPadLo, localPadHi}}: the global input range to fetch and the padding of the
     *     local sub-problem along dimension {@code s}
     */
    static int[] input(ConvGeometry g, int s, int o0, int o1, int in) {
        int lo = o0 * g.stride(s) - g.padLo(s);
        int hi = (o1 - 1) * g.stride(s) - g.padLo(s) + g.span(s);
        int clo = Math.max(lo, 0);
        int chi = Math.min(hi, in);
        if (chi <= clo) {
            throw new IllegalArgumentException("outputs " + o0 + ".." + o1 + " read only padding along dimension "
                    + s + " (" + g + "); use a coarser grid");
        }
        return new int[] {clo, chi, clo - lo, hi - chi};
    }

    /** The local geometry of outputs {@code own} (rows h0..h1, cols w0..w1) and the input box to fetch. */
    static Object[] local(ConvGeometry g, Box own, int inH, int inW) {
        int[] r = input(g, 0, own.h0(), own.h1(), inH);
        int[] c = input(g, 1, own.w0(), own.w1(), inW);
        ConvGeometry lg = g.withPadding(0, r[2], r[3]).withPadding(1, c[2], c[3]);
        Box need = new Box(own.n0(), own.n1(), r[0], r[1], c[0], c[1]);
        return new Object[] {lg, need};
    }
}
