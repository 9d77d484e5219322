package org.spatialconv.perfmodel.search;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.spatialconv.perfmodel.cost.CostModel;

/** The strong-scaling curve: planned and sample-parallel predicted iteration time over rank counts. */
public final class StrongScaling {
    private StrongScaling() {
    }

    /**
     * One point; times are {@code NaN} where nothing fits.
     *
     * @param ranks      P
     * @param planned    the planner's iteration time, seconds
     * @param baseline   sample-parallel iteration time, seconds
     */
    public record Point(int ranks, double planned, double baseline) {
    }

    /** Powers of two from 1 up to {@code p}, and {@code p} itself. */
    public static List<Integer> rankCounts(int p) {
        List<Integer> out = new ArrayList<>();
        for (int q = 1; q < p; q *= 2) {
            out.add(q);
        }
        out.add(p);
        return out;
    }

    /** Plans every rank count with models from {@code models}. */
    public static List<Point> curve(List<Integer> rankCounts, IntFunction<CostModel> models) {
        List<Point> out = new ArrayList<>();
        for (int p : rankCounts) {
            CostModel m = models.apply(p);
            double planned = Double.NaN;
            try {
                Planner.Result r = Planner.plan(m);
                planned = r.fits() ? r.plan().iterationSeconds() : Double.NaN;
            } catch (IllegalArgumentException e) {
                // no valid distribution at this P: leave the point empty
            }
            Plan b = Planner.samplesOnly(m);
            out.add(new Point(p, planned, b.fits() ? b.iterationSeconds() : Double.NaN));
        }
        return out;
    }
}
