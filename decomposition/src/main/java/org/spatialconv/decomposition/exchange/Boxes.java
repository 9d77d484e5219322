package org.spatialconv.decomposition.exchange;

import java.util.Arrays;
import org.spatialconv.decomposition.grid.Region;

/**
 * Copies a global box between blocks and flat buffers. A box is a set of rows along its last dimension, each a
 * contiguous run in the block; the row start offsets are computed once per call with an odometer (one add
 * per row, no per-row index arithmetic), then rows are moved with {@code System.arraycopy} or, for the short
 * rows of a column halo, a plain loop (cheaper than a call per element).
 */
public final class Boxes {
    /** Rows shorter than this are copied element by element. */
    private static final int SHORT_ROW = 8;

    private Boxes() {
    }

    /** Copies box {@code r} of {@code src} into {@code buf} from {@code off}, in row-major order. */
    public static void pack(Block src, Region r, float[] buf, int off) {
        if (r.isEmpty()) {
            return;
        }
        int[] rows = rowOffsets(src, r);
        int len = r.extent(r.rank() - 1);
        float[] s = src.data().data();
        int pos = off;
        for (int base : rows) {
            move(s, base, buf, pos, len);
            pos += len;
        }
    }

    /** Writes (or adds) {@code buf} from {@code off} into box {@code r} of {@code dst}. */
    public static void unpack(float[] buf, int off, Block dst, Region r, ExchangeMode mode) {
        if (r.isEmpty()) {
            return;
        }
        int[] rows = rowOffsets(dst, r);
        int len = r.extent(r.rank() - 1);
        float[] d = dst.data().data();
        int pos = off;
        for (int base : rows) {
            if (mode == ExchangeMode.COPY) {
                move(buf, pos, d, base, len);
            } else {
                for (int i = 0; i < len; i++) {
                    d[base + i] += buf[pos + i];
                }
            }
            pos += len;
        }
    }

    /** Copies (or adds) box {@code r} from {@code src} to {@code dst}; both must hold it. */
    public static void copy(Block src, Block dst, Region r, ExchangeMode mode) {
        if (r.isEmpty()) {
            return;
        }
        int[] from = rowOffsets(src, r);
        int[] to = rowOffsets(dst, r);
        int len = r.extent(r.rank() - 1);
        float[] s = src.data().data();
        float[] d = dst.data().data();
        for (int i = 0; i < from.length; i++) {
            if (mode == ExchangeMode.COPY) {
                move(s, from[i], d, to[i], len);
            } else {
                int a = from[i];
                int b = to[i];
                for (int j = 0; j < len; j++) {
                    d[b + j] += s[a + j];
                }
            }
        }
    }

    /** Fills box {@code r} of {@code dst} with {@code value}. */
    public static void fill(Block dst, Region r, float value) {
        if (r.isEmpty()) {
            return;
        }
        int len = r.extent(r.rank() - 1);
        float[] d = dst.data().data();
        for (int base : rowOffsets(dst, r)) {
            Arrays.fill(d, base, base + len, value);
        }
    }

    private static void move(float[] s, int sOff, float[] d, int dOff, int len) {
        if (len < SHORT_ROW) {
            for (int i = 0; i < len; i++) {
                d[dOff + i] = s[sOff + i];
            }
        } else {
            System.arraycopy(s, sOff, d, dOff, len);
        }
    }

    /** Flat offsets in {@code b} of the first element of every last-dimension row of {@code r}, row-major. */
    static int[] rowOffsets(Block b, Region r) {
        Region box = b.box();
        if (!box.contains(r)) {
            throw new IllegalArgumentException("box " + r + " is not inside block " + box);
        }
        int rank = r.rank();
        long count = r.size() / r.extent(rank - 1);
        int[] rows = new int[(int) count];
        int[] stride = new int[rank];
        stride[rank - 1] = 1;
        for (int d = rank - 2; d >= 0; d--) {
            stride[d] = stride[d + 1] * box.extent(d + 1);
        }
        int base = 0;
        for (int d = 0; d < rank; d++) {
            base += (r.lo(d) - box.lo(d)) * stride[d];
        }
        int[] idx = new int[rank];
        int off = base;
        for (int i = 0; i < rows.length; i++) {
            rows[i] = off;
            // odometer over dimensions rank-2 .. 0
            int d = rank - 2;
            while (d >= 0) {
                idx[d]++;
                off += stride[d];
                if (idx[d] < r.extent(d)) {
                    break;
                }
                off -= idx[d] * stride[d];
                idx[d] = 0;
                d--;
            }
        }
        return rows;
    }
}
