package org.spatialconv.perfmodel.machine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Calibrated convolution timings, looked up by configuration and interpolated over the local extent
 * (samples × output pixels): piecewise linear between measured points, and proportional to the nearest point's
 * time per pixel outside them (a conv's work is linear in its output size once it is large enough to fill the
 * device).
 */
public final class ConvTable {
    /** The empty table: every lookup falls back to the roofline. */
    public static final ConvTable EMPTY = new ConvTable(List.of());

    private final List<ConvTiming> entries;
    private final Map<String, double[][]> curves = new HashMap<>();

    /** A table over the given timings (several timings of one point are averaged). */
    public ConvTable(List<ConvTiming> entries) {
        this.entries = List.copyOf(entries);
        Map<String, List<ConvTiming>> byKey = new HashMap<>();
        for (ConvTiming t : this.entries) {
            byKey.computeIfAbsent(t.key(), x -> new ArrayList<>()).add(t);
        }
        for (Map.Entry<String, List<ConvTiming>> e : byKey.entrySet()) {
            List<ConvTiming> list = new ArrayList<>(e.getValue());
            list.sort(Comparator.comparingLong(ConvTiming::pixels));
            List<double[]> points = new ArrayList<>();
            for (ConvTiming t : list) {
                double[] last = points.isEmpty() ? null : points.get(points.size() - 1);
                if (last != null && last[0] == t.pixels()) {
                    last[1] = (last[1] * last[2] + t.seconds()) / (last[2] + 1);
                    last[2]++;
                } else {
                    points.add(new double[] {t.pixels(), t.seconds(), 1});
                }
            }
            curves.put(e.getKey(), points.toArray(new double[0][]));
        }
    }

    /** All timings. */
    public List<ConvTiming> entries() {
        return entries;
    }

    /** The same table with every time multiplied by {@code factor} (the table itself when it is 1). */
    public ConvTable scaled(double factor) {
        if (factor == 1.0) {
            return this;
        }
        List<ConvTiming> out = new ArrayList<>(entries.size());
        for (ConvTiming t : entries) {
            out.add(new ConvTiming(t.pass(), t.c(), t.k(), t.kh(), t.kw(), t.stride(), t.dilation(), t.groups(),
                    t.n(), t.h(), t.w(), t.seconds() * factor));
        }
        return new ConvTable(out);
    }

    /** True if the table has no timings. */
    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /**
     * Interpolated time of a pass for a configuration key at {@code pixels} local output pixels (times samples),
     * or {@code NaN} if the configuration was not calibrated.
     */
    public double seconds(String key, double pixels) {
        double[][] pts = curves.get(key);
        if (pts == null) {
            return Double.NaN;
        }
        if (pixels <= pts[0][0]) {
            return pts[0][1] * pixels / pts[0][0];
        }
        int last = pts.length - 1;
        if (pixels >= pts[last][0]) {
            return pts[last][1] * pixels / pts[last][0];
        }
        for (int i = 1; i <= last; i++) {
            if (pixels <= pts[i][0]) {
                double f = (pixels - pts[i - 1][0]) / (pts[i][0] - pts[i - 1][0]);
                return pts[i - 1][1] + f * (pts[i][1] - pts[i - 1][1]);
            }
        }
        return pts[last][1] * pixels / pts[last][0];
    }
}
