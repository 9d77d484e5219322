package org.spatialconv.perfmodel.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.spatialconv.perfmodel.cost.CostModel;
import org.spatialconv.perfmodel.cost.Grid;
import org.spatialconv.perfmodel.cost.LayerCost;
import org.spatialconv.perfmodel.net.Layer;
import org.spatialconv.perfmodel.net.NetworkSpec;

/**
 * Chooses a grid per layer. The network's tensors form a DAG (the input is the source; a virtual sink joins the
 * outputs); node costs are layer times, edge costs are shuffles. With enough memory the series-parallel solver
 * returns the exact minimum of the additive objective. When that plan does not fit, a Lagrangian weight on
 * memory ({@code time + λ·bytes}) is raised until it does and then bisected back toward the fastest plan that
 * fits; the result always fits, but under a binding memory limit it is not guaranteed optimal.
 */
public final class Planner {
    private static final int BISECTIONS = 12;
    private static final int MAX_DOUBLINGS = 60;

    private Planner() {
    }

    /**
     * Search result: the best plan found (or the smallest-memory one when nothing fits).
     *
     * @param singleGridPlans every grid's {@link SingleGridPlan}, those that fit fastest first, then the rest (the
     *                        per-layer plan was weighed against them); empty when nothing fits
     */
    public record Result(Plan plan, boolean fits, String reason, List<SingleGridPlan> singleGridPlans) {
    }

    /**
     * Plans a network.
     *
     * @throws IllegalArgumentException naming a layer that has no valid grid at all
     */
    public static Result plan(CostModel m) {
        NetworkSpec net = m.network();
        for (int i = 0; i < net.layers().size(); i++) {
            String why = m.whyNoGrid(i);
            if (why != null) {
                throw new IllegalArgumentException("layer '" + net.layers().get(i).name() + "': " + why);
            }
        }
        Plan fastest = solve(m, 0);
        if (fastest.fits()) {
            List<SingleGridPlan> singles = singleGridPlans(m);
            return new Result(bestOf(fastest, singles), true, null, singles);
        }
        double scale = fastest.objective() / Math.max(1, fastest.memoryBytesPerRank());
        double lambda = scale;
        Plan feasible = null;
        Plan smallest = fastest;
        double lo = 0;
        for (int i = 0; i < MAX_DOUBLINGS && feasible == null; i++) {
            Plan p = solve(m, lambda);
            if (p.memoryBytesPerRank() < smallest.memoryBytesPerRank()) {
                smallest = p;
            }
            if (p.fits()) {
                feasible = p;
            } else {
                lo = lambda;
                lambda *= 4;
            }
        }
        if (feasible == null) {
            LayerPlan big = smallest.largestLayer();
            double gib = 1024.0 * 1024 * 1024;
            String reason = String.format("does not fit: needs %.2f GiB per rank, %.2f GiB available (short by %.2f"
                    + " GiB); largest layer '%s' keeps %.2f GiB at grid %s", smallest.memoryBytesPerRank() / gib,
                    smallest.memoryBudget() / gib, (smallest.memoryBytesPerRank() - smallest.memoryBudget()) / gib,
                    big.name(), (big.cost().keptBytes() + big.cost().transientBytes()) / gib, big.cost().grid());
            return new Result(smallest, false, reason, List.of());
        }
        double hi = lambda;
        for (int i = 0; i < BISECTIONS; i++) {
            double mid = (lo + hi) / 2;
            Plan p = solve(m, mid);
            if (p.fits()) {
                hi = mid;
                if (p.iterationSeconds() < feasible.iterationSeconds()) {
                    feasible = p;
                }
            } else {
                lo = mid;
            }
        }
        List<SingleGridPlan> singles = singleGridPlans(m);
        return new Result(bestOf(feasible, singles), true, null, singles);
    }

    /**
     * The DP minimises the additive objective; the exposed gradient allreduce is evaluated afterwards, so a
     * uniform plan can still win on iteration time. Returns the faster of {@code found} and the fastest single-grid
     * plan that fits ({@code singles} as {@link #singleGridPlans} orders them).
     */
    private static Plan bestOf(Plan found, List<SingleGridPlan> singles) {
        SingleGridPlan first = singles.isEmpty() ? null : singles.get(0);
        return first != null && first.plan().fits() && first.plan().iterationSeconds() < found.iterationSeconds()
                ? first.plan() : found;
    }

    /** Every grid's single-grid plan: those that fit fastest first (ties in grid order), then the rest. */
    public static List<SingleGridPlan> singleGridPlans(CostModel m) {
        List<SingleGridPlan> all = new ArrayList<>();
        for (Grid g : m.grids()) {
            all.add(new SingleGridPlan(g, Plan.uniform(m, g)));
        }
        all.sort(Comparator.comparing((SingleGridPlan x) -> !x.plan().fits())
                .thenComparingDouble(x -> x.plan().iterationSeconds()));
        return all;
    }

    /** The exact minimiser of {@code Σ (time + λ·(kept + scratch bytes)) + Σ shuffles}, evaluated. */
    public static Plan solve(CostModel m, double lambda) {
        NetworkSpec net = m.network();
        List<Grid> grids = m.grids();
        int g = grids.size();
        int layers = net.layers().size();
        int sink = layers + 1;
        double[][] cost = new double[layers + 2][g];
        for (int i = 0; i < layers; i++) {
            for (int k = 0; k < g; k++) {
                LayerCost c = m.layer(i, grids.get(k));
                cost[i + 1][k] = c == null ? Double.POSITIVE_INFINITY
                        : c.time() + lambda * (c.keptBytes() + c.transientBytes());
            }
        }
        SeriesParallelSolver solver = new SeriesParallelSolver(cost, g);
        for (int i = 0; i < layers; i++) {
            Layer l = net.layers().get(i);
            for (String input : l.inputs()) {
                int from = input.equals(NetworkSpec.INPUT) ? 0 : net.indexOf(input) + 1;
                solver.addEdge(from, i + 1, m.shuffleMatrix(m.shape(input)));
            }
            if (net.consumers(l.name()).isEmpty()) {
                solver.addEdge(i + 1, sink, new double[g * g]);
            }
        }
        SeriesParallelSolver.Result r = solver.solve();
        if (r.choice()[0] < 0 || Double.isInfinite(r.cost())) {
            throw new IllegalArgumentException("no valid distribution for the network on " + m.ranks() + " ranks");
        }
        Grid[] chosen = new Grid[layers];
        for (int i = 0; i < layers; i++) {
            chosen[i] = grids.get(r.choice()[i + 1]);
        }
        return Plan.evaluate(m, grids.get(r.choice()[0]), chosen);
    }

    /** The sample-parallel baseline: every layer on {@code P,1,1}. */
    public static Plan samplesOnly(CostModel m) {
        return Plan.uniform(m, Grid.samples(m.ranks()));
    }
}
