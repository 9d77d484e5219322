package org.spatialconv.perfmodel.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import org.spatialconv.perfmodel.net.TensorShape;
import org.spatialconv.perfmodel.search.LayerPlan;
import org.spatialconv.perfmodel.search.Plan;
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

    /** The JSON document of {@code --json}. */
    static ObjectNode json(String model, String machine, int ranks, TensorShape input, Plan plan, Plan baseline,
            List<StrongScaling.Point> scaling) {
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
