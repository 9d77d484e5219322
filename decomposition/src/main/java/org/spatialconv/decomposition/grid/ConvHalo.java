package org.spatialconv.decomposition.grid;

import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;

/**
 * The input a convolution needs for an owned block of outputs, derived from the geometry, never assumed.
 *
 * <p>Along spatial dimension {@code s}, output {@code o} reads inputs {@code o*S - padLo + j*dil} for
 * {@code j in [0, R)}. So outputs {@code [o0, o1)} read the unclipped range
 * {@code [o0*S - padLo, (o1-1)*S - padLo + dil*(R-1) + 1)}. Its part outside {@code [0, I)} is the global
 * zero padding; what is left over becomes the local problem's per-side padding, which makes the local output
 * exactly {@code o1 - o0} long. The halo is asymmetric whenever padding, stride or block boundaries are.
 */
public final class ConvHalo {
    private ConvHalo() {
    }

    /** First input index (unclipped, may be negative) read by output {@code o0}. */
    public static int firstInput(ConvGeometry g, int s, int o0) {
        return o0 * g.stride(s) - g.padLo(s);
    }

    /** One past the last input index (unclipped, may exceed the input) read by outputs up to {@code o1 - 1}. */
    public static int endInput(ConvGeometry g, int s, int o1) {
        return (o1 - 1) * g.stride(s) - g.padLo(s) + g.span(s);
    }

    /**
     * The input box (N,C,spatial...) that owned outputs {@code out} read, clipped to the global input
     * {@code x}; may be empty along a spatial dimension when those outputs read only padding. N follows the
     * output block; C is the whole channel range.
     */
    public static Region need(ConvGeometry g, Shape x, Region out) {
        int rank = x.rank();
        int[] lo = new int[rank];
        int[] hi = new int[rank];
        lo[0] = out.lo(0);
        hi[0] = out.hi(0);
        lo[1] = 0;
        hi[1] = x.c();
        for (int s = 0; s < g.spatialRank(); s++) {
            int d = 2 + s;
            int a = Math.max(0, firstInput(g, s, out.lo(d)));
            int b = Math.min(x.dim(d), endInput(g, s, out.hi(d)));
            if (b <= a) {
                // Outputs that read only padding: an empty range, placed inside the input for a valid box.
                a = Math.min(a, x.dim(d));
                b = a;
            }
            lo[d] = a;
            hi[d] = b;
        }
        return new Region(lo, hi);
    }

    /**
     * The geometry of the local problem for outputs {@code out}: the same kernel, stride and dilation with
     * per-side padding equal to the part of the unclipped input range that lies outside the global input.
     */
    public static ConvGeometry localGeometry(ConvGeometry g, Shape x, Region out) {
        ConvGeometry local = g;
        for (int s = 0; s < g.spatialRank(); s++) {
            int d = 2 + s;
            int first = firstInput(g, s, out.lo(d));
            int end = endInput(g, s, out.hi(d));
            local = local.withPadding(s, Math.max(0, -first), Math.max(0, end - x.dim(d)));
        }
        return local;
    }

    /**
     * Outputs within {@code [o0, o1)} along {@code s} whose input window, clipped to {@code [0, in)}, lies inside
     * the owned input range {@code [own0, own1)}: the interior that can be computed before halos arrive.
     *
     * @return {@code {i0, i1}} with {@code o0 <= i0 <= i1 <= o1} (possibly empty)
     */
    public static int[] interior(ConvGeometry g, int s, int o0, int o1, int own0, int own1, int in) {
        int st = g.stride(s);
        int lo = o0;
        if (own0 > 0) {
            // need o*S - padLo >= own0
            lo = Math.max(lo, Math.floorDiv(own0 + g.padLo(s) + st - 1, st));
        }
        int hi = o1;
        if (own1 < in) {
            // need o*S - padLo + span <= own1
            hi = Math.min(hi, Math.floorDiv(own1 + g.padLo(s) - g.span(s), st) + 1);
        }
        if (hi < lo) {
            hi = lo;
        }
        lo = Math.min(lo, o1);
        hi = Math.min(Math.max(hi, lo), o1);
        return new int[] {lo, hi};
    }
}
