package org.spatialconv.decomposition.layer;

import java.util.ArrayList;
import java.util.List;
import org.spatialconv.conv.Window;

/** Splits a 2-D window into an inner window and the (at most four) strips around it. */
public final class Strips {
    private Strips() {
    }

    /**
     * The parts of {@code outer} not in {@code inner} (which must lie inside it): rows above and below span the
     * full width, the left and right strips only the inner rows, so the parts are disjoint. All of
     * {@code outer} if {@code inner} is empty.
     */
    public static List<Window> around(Window outer, Window inner) {
        List<Window> out = new ArrayList<>();
        if (inner.isEmpty()) {
            if (!outer.isEmpty()) {
                out.add(outer);
            }
            return out;
        }
        add(out, outer.lo(0), inner.lo(0), outer.lo(1), outer.hi(1));
        add(out, inner.hi(0), outer.hi(0), outer.lo(1), outer.hi(1));
        add(out, inner.lo(0), inner.hi(0), outer.lo(1), inner.lo(1));
        add(out, inner.lo(0), inner.hi(0), inner.hi(1), outer.hi(1));
        return out;
    }

    private static void add(List<Window> out, int h0, int h1, int w0, int w1) {
        if (h1 > h0 && w1 > w0) {
            out.add(Window.of2d(h0, h1, w0, w1));
        }
    }
}
