package org.spatialconv.perfmodel.cost;

import org.spatialconv.perfmodel.net.ConvSpec;
import org.spatialconv.perfmodel.net.DeconvSpec;
import org.spatialconv.perfmodel.net.LayerSpec;
import org.spatialconv.perfmodel.net.PoolSpec;
import org.spatialconv.perfmodel.net.UpsampleSpec;

/**
 * Halo geometry along one spatial dimension, derived from each layer's input-window formula (never assumed to be
 * {@code (R-1)/2}). For an owned output range {@code [o0, o1)}:
 * <ul>
 *   <li>conv / pool: input {@code [o0·S − padLo, (o1−1)·S − padLo + dil·(R−1)]};</li>
 *   <li>transposed conv: input {@code [ceil((o0 + padLo − dil·(R−1)) / S), floor((o1−1 + padLo) / S)]};</li>
 *   <li>nearest upsample ×s: {@code [floor(o0/s), floor((o1−1)/s)]}; bilinear (align_corners false):
 *       {@code [floor((o0+½)/s − ½), floor((o1−½)/s − ½) + 1]};</li>
 *   <li>everything else: the same range (no halo).</li>
 * </ul>
 * clipped to {@code [0, I)}; the part outside is padding.
 */
public final class Halos {
    private Halos() {
    }

    /**
     * Halo widths for one dimension split in {@code parts}, each maximised over the parts (the slowest rank).
     *
     * @param lo       rows needed below the owned input block (largest over parts)
     * @param hi       rows needed above it (largest over parts)
     * @param total    largest {@code lo + hi} of one part: the rows one rank receives
     * @param boundary output rows whose window leaves the owned input (computed after the halo arrives)
     * @param peers    largest number of neighbour parts one part receives from (more than 2 when a halo spans
     *                 several blocks)
     */
    public record DimHalo(int lo, int hi, int total, int boundary, int peers) {
        /** No halo. */
        public static final DimHalo NONE = new DimHalo(0, 0, 0, 0, 0);
    }

    /** Inclusive input range {@code [a, b]} needed for outputs {@code [o0, o1)} along dimension s (0 = H). */
    public static long[] need(LayerSpec spec, int s, int o0, int o1) {
        if (spec instanceof ConvSpec c) {
            return window(o0, o1, c.stride().get(s), c.padLo().get(s), c.dilation().get(s) * (c.kernel().get(s) - 1));
        }
        if (spec instanceof PoolSpec p) {
            return window(o0, o1, p.stride().get(s), p.padLo().get(s), p.kernel().get(s) - 1);
        }
        if (spec instanceof DeconvSpec d) {
            int st = d.stride().get(s);
            long a = Math.floorDiv(o0 + d.padLo().get(s) - (long) d.dilation().get(s) * (d.kernel().get(s) - 1)
                    + st - 1, st);
            long b = Math.floorDiv((long) o1 - 1 + d.padLo().get(s), st);
            return new long[] {a, b};
        }
        if (spec instanceof UpsampleSpec u) {
            int sc = u.scale();
            if (u.mode() == UpsampleSpec.Mode.NEAREST) {
                return new long[] {o0 / sc, (o1 - 1) / sc};
            }
            return new long[] {(long) Math.floor((o0 + 0.5) / sc - 0.5), (long) Math.floor((o1 - 0.5) / sc - 0.5) + 1};
        }
        return new long[] {o0, o1 - 1};
    }

    private static long[] window(int o0, int o1, int stride, int padLo, int span) {
        return new long[] {(long) o0 * stride - padLo, (long) (o1 - 1) * stride - padLo + span};
    }

    /**
     * The halo of a layer along dimension s, for input extent {@code in}, output extent {@code out}, both split
     * evenly in {@code parts}.
     */
    public static DimHalo halo(LayerSpec spec, int s, int in, int out, int parts) {
        if (parts == 1) {
            return DimHalo.NONE;
        }
        int maxLo = 0;
        int maxHi = 0;
        int maxTotal = 0;
        int maxPeers = 0;
        int maxBoundary = 0;
        int smallest = Math.max(1, in / parts);
        for (int i = 0; i < parts; i++) {
            int o0 = Blocks.start(out, parts, i);
            int o1 = o0 + Blocks.size(out, parts, i);
            int i0 = Blocks.start(in, parts, i);
            int i1 = i0 + Blocks.size(in, parts, i);
            if (o1 <= o0 || i1 <= i0) {
                continue;
            }
            long[] r = need(spec, s, o0, o1);
            long a = Math.max(0, r[0]);
            long b = Math.min(in - 1, r[1]);
            int lo = (int) Math.max(0, i0 - a);
            int hi = (int) Math.max(0, b - (i1 - 1));
            maxLo = Math.max(maxLo, lo);
            maxHi = Math.max(maxHi, hi);
            maxTotal = Math.max(maxTotal, lo + hi);
            maxPeers = Math.max(maxPeers, (lo + smallest - 1) / smallest + (hi + smallest - 1) / smallest);
            int boundary = 0;
            for (int o = o0; o < o1; o++) {
                long[] w = need(spec, s, o, o + 1);
                if (Math.max(0, w[0]) < i0 || Math.min(in - 1, w[1]) > i1 - 1) {
                    boundary++;
                }
            }
            maxBoundary = Math.max(maxBoundary, boundary);
        }
        return new DimHalo(maxLo, maxHi, maxTotal, maxBoundary, maxPeers);
    }
}
