package org.spatialconv.perfmodel.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.spatialconv.perfmodel.cost.Grid;
import org.spatialconv.perfmodel.net.TensorShape;
import org.spatialconv.perfmodel.search.LayerPlan;
import org.spatialconv.perfmodel.search.Plan;
import org.spatialconv.perfmodel.search.SingleGridPlan;
import org.spatialconv.perfmodel.search.StrongScaling;

/** Formats a plan as the {@code plan} verb's table and as its JSON document. */
final class PlanReport {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final double MIB = 1024.0 * 1024;
    private static final double GIB = MIB * 1024;

    private PlanReport() {
    }

    static String shape(TensorShape s) {
        return s.n() + "," + s.c() + "," + s.h() + "," + s.w();
    }

    /** The per-layer table. */
    static void table(PrintWriter out, Plan plan) {
        out.printf(Locale.ROOT, "%-28s %-15s %-20s %-10s %10s %10s %10s %10s%n", "layer", "type", "shape n,c,h,w",
                "grid n,h,w", "compute", "comm", "time", "memory");
        out.printf(Locale.ROOT, "%-28s %-15s %-20s %-10s %10s %10s %10s %10s%n", "", "", "", "", "ms", "ms", "ms",
                "MiB");
        for (LayerPlan l : plan.layers()) {
            out.printf(Locale.ROOT, "%-28s %-15s %-20s %-10s %10.3f %10.3f %10.3f %10.1f%n", clip(l.name(), 28),
                    l.type(), shape(l.shape()), l.cost().grid(), l.cost().compute() * 1e3,
                    (l.cost().communication() + l.shuffleIn()) * 1e3, l.seconds() * 1e3,
                    l.cost().keptBytes() / MIB);
        }
    }

    /** The summary lines. */
    static void summary(PrintWriter out, Plan plan, Plan baseline, String baselineNote) {
        double compute = 0;
        double comm = 0;
        for (LayerPlan l : plan.layers()) {
            compute += l.cost().compute();
            comm += l.cost().communication() + l.shuffleIn();
        }
        out.printf(Locale.ROOT, "predicted iteration time: %.3f ms (compute %.3f ms, communication before overlap "
                + "%.3f ms, exposed gradient allreduce %.3f ms)%n", plan.iterationSeconds() * 1e3, compute * 1e3,
                comm * 1e3, plan.exposedAllreduce() * 1e3);
        out.printf(Locale.ROOT, "(gradients summed in %d MiB buckets during backward, as `train --grad-overlap on`)%n",
                Plan.BUCKET_BYTES >> 20);
        out.printf(Locale.ROOT, "memory per rank: %.3f GiB of %.3f GiB usable%n", plan.memoryBytesPerRank() / GIB,
                plan.memoryBudget() / GIB);
        if (baseline != null && baseline.fits()) {
            out.printf(Locale.ROOT, "sample-parallel baseline: %.3f ms (%.3f GiB per rank); planned speedup %.2fx%n",
                    baseline.iterationSeconds() * 1e3, baseline.memoryBytesPerRank() / GIB,
                    baseline.iterationSeconds() / plan.iterationSeconds());
        } else {
            out.println("sample-parallel baseline: does not fit" + (baselineNote == null ? "" : " (" + baselineNote
                    + ")"));
        }
    }

    /** How many layers of {@code plan} run on each grid, most used first. */
    static Map<Grid, Integer> gridUse(Plan plan) {
        Map<Grid, Integer> use = new LinkedHashMap<>();
        for (LayerPlan l : plan.layers()) {
            use.merge(l.cost().grid(), 1, Integer::sum);
        }
        Map<Grid, Integer> sorted = new LinkedHashMap<>();
        use.entrySet().stream().sorted(Map.Entry.<Grid, Integer>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    private static boolean sameGrids(Plan a, Plan b) {
        for (int i = 0; i < a.layers().size(); i++) {
            if (!a.layers().get(i).cost().grid().equals(b.layers().get(i).cost().grid())) {
                return false;
            }
        }
        return a.layers().size() == b.layers().size();
    }

    /**
     * Why this plan: one line against the single-grid plans (the planner also searched per-layer mixes), then the
     * {@code shown} fastest single-grid plans that fit, the sample-parallel one among them, and how many do not fit.
     */
    static void why(PrintWriter out, Plan plan, List<SingleGridPlan> singles, int batch, int shown) {
        out.println(whyLine(plan, singles));
        List<SingleGridPlan> fitting = singles.stream().filter(x -> x.plan().fits()).toList();
        out.printf(Locale.ROOT, "single-grid plans, fastest first:%n  %-10s %12s %9s %12s %12s %9s%n", "grid",
                "iteration ms", "vs plan", "compute ms", "comm ms", "GiB/rank");
        int ranks = plan.ranks();
        for (int i = 0; i < fitting.size(); i++) {
            SingleGridPlan x = fitting.get(i);
            boolean samples = x.grid().equals(Grid.samples(ranks));
            if (i >= shown && !samples) {
                continue;
            }
            Plan p = x.plan();
            double compute = p.layers().stream().mapToDouble(l -> l.cost().compute()).sum();
            double comm = p.layers().stream().mapToDouble(l -> l.cost().communication() + l.shuffleIn()).sum();
            out.printf(Locale.ROOT, "  %-10s %12.3f %+8.1f%% %12.3f %12.3f %9.3f%s%n", x.grid(), p.iterationSeconds() * 1e3,
                    pct(p, plan), compute * 1e3, comm * 1e3, p.memoryBytesPerRank() / GIB, samples
                            ? "  sample-parallel" + (batch < ranks ? " (batch " + batch + ": " + (ranks - batch)
                                    + " of " + ranks + " ranks idle)" : "") : "");
        }
        if (fitting.size() < singles.size()) {
            out.printf(Locale.ROOT, "  (%d more do not fit in memory)%n", singles.size() - fitting.size());
        }
    }

    /**
     * One line on why {@code plan}: the single-grid plan it is (the next best and its margin, or a tie), or the
     * grids of its per-layer mix, the fastest single-grid plan it beats and what its shuffles cost.
     */
    static String whyLine(Plan plan, List<SingleGridPlan> singles) {
        List<SingleGridPlan> fitting = singles.stream().filter(x -> x.plan().fits()).toList();
        SingleGridPlan same = fitting.stream().filter(x -> sameGrids(x.plan(), plan)).findFirst().orElse(null);
        if (same != null) {
            SingleGridPlan next = fitting.stream().filter(x -> x != same && !sameGrids(x.plan(), plan)).findFirst()
                    .orElse(null);
            return String.format(Locale.ROOT, "why %s: the fastest of the %d single-grid plans that fit%s%s, and no "
                    + "per-layer mix is faster", same.grid(), fitting.size(), same.fallbacks() == 0 ? ""
                    : " (" + same.fallbacks() + " layers that cannot take it fall back to another grid)",
                    next == null ? "" : nextBest(next, plan));
        }
        StringBuilder mix = new StringBuilder();
        gridUse(plan).forEach((g, k) -> mix.append(mix.length() > 0 ? ", " : "").append(g).append(" x").append(k));
        SingleGridPlan best = fitting.isEmpty() ? null : fitting.get(0);
        double shuffles = plan.layers().stream().mapToDouble(LayerPlan::shuffleIn).sum();
        return String.format(Locale.ROOT, "why a per-layer plan: its grids (%s layers) %s; the shuffles between them "
                + "cost %.3f ms", mix, best == null ? "fit where no single grid does"
                : String.format(Locale.ROOT, "beat the fastest single-grid plan, %s (%.3f ms), by %.2f%%",
                        best.grid(), best.plan().iterationSeconds() * 1e3, -pct(plan, best.plan())), shuffles * 1e3);
    }

    /** "; the next, G, is +x% (t ms)", or a tie within 0.05 %. */
    private static String nextBest(SingleGridPlan next, Plan plan) {
        Grid g = next.grid();
        double d = pct(next.plan(), plan);
        double ms = next.plan().iterationSeconds() * 1e3;
        return d < 0.05 ? String.format(Locale.ROOT, "; tied, within 0.05 %%, with %s (%.3f ms)", g, ms)
                : String.format(Locale.ROOT, "; the next, %s, is %+.1f%% (%.3f ms)", g, d, ms);
    }

    /** {@code p}'s iteration time relative to {@code ref}'s, percent. */
    private static double pct(Plan p, Plan ref) {
        return (p.iterationSeconds() / ref.iterationSeconds() - 1) * 100;
    }

    /** The JSON document of {@code --json}. */
    static ObjectNode json(String model, String machine, int ranks, TensorShape input, Plan plan, Plan baseline,
            List<SingleGridPlan> singles, List<StrongScaling.Point> scaling) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("model", model);
        root.put("machine", machine);
        root.put("gpus", ranks);
        root.put("input", shape(input));
        ArrayNode layers = root.putArray("layers");
        for (LayerPlan l : plan.layers()) {
            ObjectNode o = layers.addObject();
            o.put("name", l.name());
            o.put("type", l.type());
            o.put("shape", shape(l.shape()));
            o.put("grid", l.cost().grid().toString());
            o.put("predicted_ms", l.seconds() * 1e3);
            o.put("compute_ms", l.cost().compute() * 1e3);
            o.put("communication_ms", (l.cost().communication() + l.shuffleIn()) * 1e3);
            o.put("memory_bytes", l.cost().keptBytes());
        }
        root.put("predicted_ms", plan.iterationSeconds() * 1e3);
        root.put("exposed_allreduce_ms", plan.exposedAllreduce() * 1e3);
        if (baseline != null && baseline.fits()) {
            root.put("baseline_ms", baseline.iterationSeconds() * 1e3);
        } else {
            root.putNull("baseline_ms");
        }
        root.put("memory_bytes_per_rank", plan.memoryBytesPerRank());
        root.put("memory_budget_bytes", plan.memoryBudget());
        ArrayNode alt = root.putArray("single_grid_plans");
        for (SingleGridPlan x : singles) {
            ObjectNode o = alt.addObject();
            o.put("grid", x.grid().toString());
            o.put("predicted_ms", x.plan().iterationSeconds() * 1e3);
            o.put("fits", x.plan().fits());
            o.put("memory_bytes_per_rank", x.plan().memoryBytesPerRank());
            o.put("fallback_layers", x.fallbacks());
        }
        if (scaling != null) {
            ArrayNode s = root.putArray("scaling");
            for (StrongScaling.Point p : scaling) {
                ObjectNode o = s.addObject();
                o.put("gpus", p.ranks());
                putMs(o, "predicted_ms", p.planned());
                putMs(o, "baseline_ms", p.baseline());
            }
        }
        return root;
    }

    private static void putMs(ObjectNode o, String key, double seconds) {
        if (Double.isNaN(seconds)) {
            o.putNull(key);
        } else {
            o.put(key, seconds * 1e3);
        }
    }

    private static String clip(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "~";
    }
}
