package org.spatialconv.decomposition.exchange;

import org.spatialconv.decomposition.grid.Region;

/**
 * Copies a global box between blocks and flat buffers. Every routine walks the box row by row over its last
 * dimension (a contiguous run in both the block and the buffer), so rows are copied with
 * {@code System.arraycopy} or one tight add loop.
 */
public final class Boxes {
    private Boxes() {
    }

    /** Copies box {@code r} of {@code src} into {@code buf} from {@code off}, in row-major order. */
    public static void pack(Block src, Region r, float[] buf, int off) {
        requireInside(src, r);
        walk(src, r, (base, len, pos) -> System.arraycopy(src.data().data(), base, buf, off + pos, len));
    }

    /** Writes (or adds) {@code buf} from {@code off} into box {@code r} of {@code dst}. */
    public static void unpack(float[] buf, int off, Block dst, Region r, ExchangeMode mode) {
        requireInside(dst, r);
        float[] d = dst.data().data();
        walk(dst, r, (base, len, pos) -> {
            if (mode == ExchangeMode.COPY) {
                System.arraycopy(buf, off + pos, d, base, len);
            } else {
                for (int i = 0; i < len; i++) {
                    d[base + i] += buf[off + pos + i];
                }
            }
        });
    }

    /** Copies (or adds) box {@code r} from {@code src} to {@code dst} row by row; both must hold it. */
    public static void copy(Block src, Block dst, Region r, ExchangeMode mode) {
        if (r.isEmpty()) {
            return;
        }
        requireInside(src, r);
        requireInside(dst, r);
        float[] s = src.data().data();
        float[] d = dst.data().data();
        int rank = r.rank();
        int len = r.extent(rank - 1);
        int[] idx = r.lo().clone();
        do {
            int sb = offset(src, idx);
            int db = offset(dst, idx);
            if (mode == ExchangeMode.COPY) {
                System.arraycopy(s, sb, d, db, len);
            } else {
                for (int i = 0; i < len; i++) {
                    d[db + i] += s[sb + i];
                }
            }
        } while (nextRow(idx, r));
    }

    /** Fills box {@code r} of {@code dst} with {@code value}. */
    public static void fill(Block dst, Region r, float value) {
        requireInside(dst, r);
        float[] d = dst.data().data();
        walk(dst, r, (base, len, pos) -> java.util.Arrays.fill(d, base, base + len, value));
    }

    private interface Row {
        void run(int blockOffset, int length, int bufferOffset);
    }

    private static void requireInside(Block b, Region r) {
        if (!b.box().contains(r)) {
            throw new IllegalArgumentException("box " + r + " is not inside block " + b.box());
        }
    }

    /** Calls {@code row} for every last-dimension run of {@code r} inside {@code b}. */
    private static void walk(Block b, Region r, Row row) {
        if (r.isEmpty()) {
            return;
        }
        int len = r.extent(r.rank() - 1);
        int[] idx = r.lo().clone();
        int pos = 0;
        do {
            row.run(offset(b, idx), len, pos);
            pos += len;
        } while (nextRow(idx, r));
    }

    /** Flat offset in {@code b} of global coordinates {@code idx}. */
    private static int offset(Block b, int[] idx) {
        Region box = b.box();
        int base = 0;
        for (int d = 0; d < idx.length; d++) {
            base = base * box.extent(d) + idx[d] - box.lo(d);
        }
        return base;
    }

    /** Advances {@code idx} to the next row of {@code r} (all but the last dimension); false when done. */
    private static boolean nextRow(int[] idx, Region r) {
        for (int d = idx.length - 2; d >= 0; d--) {
            if (++idx[d] < r.hi(d)) {
                return true;
            }
            idx[d] = r.lo(d);
        }
        return false;
    }
}
