package org.spatialconv.perfmodel.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.spatialconv.perfmodel.cost.CostModel;
import org.spatialconv.perfmodel.cost.Grid;
import org.spatialconv.perfmodel.machine.Calibration;
import org.spatialconv.perfmodel.search.Planner;
import org.spatialconv.perfmodel.search.LayerPlan;
import org.spatialconv.perfmodel.search.Plan;
import org.spatialconv.perfmodel.train.TrainConfig;
import org.spatialconv.perfmodel.train.TrainResult;
import org.spatialconv.perfmodel.train.Trainer;
import org.spatialconv.conv.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code spatialconv validate}: predicts a training iteration on in-JVM ranks with a (calibrated) profile, runs
 * it with the trainer, and prints predicted against measured time per iteration and memory per rank. It runs the
 * planner's per-layer plan (or, with {@code --grid}, that grid for every layer that can take it). A layer's
 * measured time is, per step, its share of the slowest rank's progress (how far its forward and backward moved
 * the last rank's end: these add up to the step, as the model's layer times add up to the iteration), and the
 * median of that over the timed steps (those after {@code --warmup}); the largest and the mean over ranks of
 * each rank's own forward + backward wall time (input shuffles included) are printed beside it. The gradient allreduce and the update are counted
 * in the iteration only.
 */
@Command(name = "validate", mixinStandardHelpOptions = true, versionProvider = SpatialconvCli.Version.class,
        sortOptions = false, description = {"Predicts and measures a training iteration on in-JVM ranks."})
public final class ValidateCommand extends CliCommand {
    @Mixin
    NetworkOptions net;

    @Option(names = "--ranks", required = true, paramLabel = "R", description = "In-JVM ranks.")
    int ranks;

    @Option(names = "--grid", paramLabel = "n,h,w", description = "One grid for every layer (default: the planner's per-layer plan).")
    String grid;

    @Option(names = "--machine", defaultValue = "cpu-local", paramLabel = "PROFILE.json",
            description = "Profile from 'calibrate' (default: ${DEFAULT-VALUE}, not measured).")
    String machine;

    @Option(names = "--threads", paramLabel = "T",
            description = "Kernel threads per rank (default: cores / ranks, at least 1, as train).")
    Integer threads;

    @Option(names = "--steps", defaultValue = "3", paramLabel = "S",
            description = "Steps, warm-up included. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--warmup", paramLabel = "W",
            description = "The first W steps are not timed (JIT compilation, heap growth). Default: 1 (0 with "
                    + "--steps 1). Large models need more: ResNet-50 at 224x224 took 5 to reach its steady step "
                    + "time on a 2-core machine. A warning says when the timed steps were still getting faster.")
    Integer warmup;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the comparison as JSON.")
    Path json;

    @Option(names = "--timeline", paramLabel = "FILE.csv",
            description = "Also write when every rank reached each layer's forward and backward end, per step "
                    + "(CSV: step,rank,event,ms from the step's first start), to see where ranks waited.")
    Path timeline;

    @Override
    protected int execute() throws Exception {
        if (ranks < 1 || threads != null && threads < 1 || steps < 1) {
            throw new UserException("--ranks, --threads and --steps must be >= 1");
        }
        int untimed = warmupSteps(warmup, steps);
        int tpr = threads != null ? threads : Math.max(1, Runtime.getRuntime().availableProcessors() / ranks);
        PlanCommand.checkOutput(json, "--json");
        PlanCommand.checkOutput(timeline, "--timeline");
        PlanCommand.Setup s = PlanCommand.Setup.of(net, machine, null, "sgd", "global");
        // the engine needs at least one sample per sample part, so the planner may not idle ranks here; the
        // model is told the threads each rank runs with (it matters where ranks share a host's cores) and prices
        // the trainer's own step after backward (not overlapped) instead of a bucketed, overlapped allreduce
        CostModel m = new CostModel(s.net(), s.input(), s.machine(), ranks,
                s.options().withIdleRanks(false).withThreadsPerRank(tpr).withTrainerStep(true));
        Plan predicted;
        java.util.Map<String, int[]> layerGrids = new java.util.HashMap<>();
        Grid g;
        try {
            if (grid != null) {
                g = Grid.parse(grid);
                if (g.size() != ranks) {
                    throw new UserException("--grid " + g + " has " + g.size() + " ranks but --ranks is " + ranks);
                }
                predicted = Plan.uniform(m, g);
            } else {
                Planner.Result pr = Planner.plan(m);
                if (!pr.fits()) {
                    throw new UserException(pr.reason());
                }
                predicted = pr.plan();
                g = predicted.inputGrid();
            }
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        }
        for (LayerPlan l : predicted.layers()) {
            Grid lg = l.cost().grid();
            layerGrids.put(l.name(), new int[] {lg.n(), lg.h(), lg.w()});
        }
        TrainConfig cfg = new TrainConfig(s.net(), s.input().h(), s.input().w(), s.input().n(),
                new int[] {g.n(), g.h(), g.w()}, steps, 1, tpr, "sgd", 1e-3, 10, layerGrids, false);
        TrainResult r;
        try {
            r = Trainer.run(cfg, step -> err().printf(Locale.ROOT, "\rvalidate: step %d/%d", step + 1, steps));
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        }
        err().println();
        double[] t = r.stepSeconds();
        double[] timed = Arrays.copyOfRange(t, untimed, t.length);
        boolean warming = stillWarmingUp(timed);
        if (warming) {
            err().printf(Locale.ROOT, "validate: warning: the timed steps were still getting faster (%s ms): the "
                    + "measured times include the JVM's warm-up; rerun with a larger --warmup%n", stepList(timed));
        }
        Arrays.sort(timed);
        double measured = timed[timed.length / 2];
        double fastest = timed[0];
        double pred = predicted.iterationSeconds();
        java.util.Map<String, Double> layerMeasured = new java.util.HashMap<>();
        java.util.Map<String, Double> layerLargest = new java.util.HashMap<>();
        java.util.Map<String, Double> layerMean = new java.util.HashMap<>();
        r.layerCriticalSeconds().forEach((name, v) -> layerMeasured.put(name, median(v, untimed)));
        r.layerSeconds().forEach((name, v) -> layerLargest.put(name, median(v, untimed)));
        r.layerMeanSeconds().forEach((name, v) -> layerMean.put(name, median(v, untimed)));
        out().printf(Locale.ROOT, "%-28s %-10s %12s %12s %8s %12s %8s %12s %8s%n", "layer", "grid", "predicted ms",
                "measured ms", "error", "largest ms", "error", "mean ms", "error");
        for (LayerPlan l : predicted.layers()) {
            out().printf(Locale.ROOT, "%-28s %-10s %12.3f %s %s %s%n", l.name(), l.cost().grid(), l.seconds() * 1e3,
                    cell(l.seconds(), layerMeasured.get(l.name())), cell(l.seconds(), layerLargest.get(l.name())),
                    cell(l.seconds(), layerMean.get(l.name())));
        }
        double medianLayerError = medianError(predicted, layerMeasured);
        double medianLargestError = medianError(predicted, layerLargest);
        double medianMeanError = medianError(predicted, layerMean);
        out().printf(Locale.ROOT, "layers: median |predicted - measured| / measured %.1f%% (share of the slowest "
                + "rank's progress), %.1f%% (largest over ranks), %.1f%% (mean over ranks) over %d layers%n",
                medianLayerError * 100, medianLargestError * 100, medianMeanError * 100, predicted.layers().size());
        out().printf(Locale.ROOT, "iteration (input grid %s, %d ranks x %d threads): predicted %.1f ms, measured "
                + "%.1f ms (median of %d after %d warm-up), error %+.1f%%; fastest step %.1f ms, error %+.1f%%%n", g,
                ranks, tpr, pred * 1e3, measured * 1e3, timed.length, untimed, (pred - measured) / measured * 100,
                fastest * 1e3, (pred - fastest) / fastest * 100);
        out().printf(Locale.ROOT, "memory per rank: predicted %.1f MiB, measured peak heap %.1f MiB%n",
                predicted.memoryBytesPerRank() / 1048576.0, r.peakBytesPerRank() / 1048576.0);
        if (json != null) {
            ObjectNode root = PlanReport.MAPPER.createObjectNode();
            root.put("grid", g.toString());
            root.put("threads_per_rank", tpr);
            ArrayNode layers = root.putArray("layers");
            for (LayerPlan l : predicted.layers()) {
                ObjectNode o = layers.addObject();
                o.put("name", l.name());
                o.put("predicted_ms", l.seconds() * 1e3);
                putMs(o, "measured_ms", layerMeasured.get(l.name()));
                putMs(o, "measured_largest_ms", layerLargest.get(l.name()));
                putMs(o, "measured_mean_ms", layerMean.get(l.name()));
            }
            root.put("median_layer_error", medianLayerError);
            root.put("median_layer_error_largest", medianLargestError);
            root.put("median_layer_error_mean", medianMeanError);
            ObjectNode it = root.putObject("iteration");
            it.put("predicted_ms", pred * 1e3);
            it.put("measured_ms", measured * 1e3);
            it.put("fastest_ms", fastest * 1e3);
            it.put("warmup_steps", untimed);
            it.put("still_warming_up", warming);
            ArrayNode st = it.putArray("steps_ms");
            for (double v : t) {
                st.add(v * 1e3);
            }
            ObjectNode mem = root.putObject("memory");
            mem.put("predicted_bytes_per_rank", predicted.memoryBytesPerRank());
            mem.put("measured_peak_bytes_per_rank", r.peakBytesPerRank());
            String text = PlanReport.MAPPER.writeValueAsString(root);
            AtomicFiles.write(json, tmp -> Files.writeString(tmp, text));
        }
        if (timeline != null) {
            String csv = timelineCsv(r.timeline());
            AtomicFiles.write(timeline, tmp -> Files.writeString(tmp, csv));
        }
        return 0;
    }

    /** {@code step,rank,event,ms} rows, times from the step's earliest start over ranks. */
    static String timelineCsv(TrainResult.Timeline t) {
        StringBuilder b = new StringBuilder("step,rank,event,ms\n");
        int ne = t.events().size();
        for (int s = 0; s < t.steps(); s++) {
            double origin = Double.POSITIVE_INFINITY;
            for (int r = 0; r < t.ranks(); r++) {
                origin = Math.min(origin, t.at(s, r, 0));
            }
            for (int r = 0; r < t.ranks(); r++) {
                for (int e = 0; e < ne; e++) {
                    b.append(s).append(',').append(r).append(',').append(t.events().get(e)).append(',')
                            .append(String.format(Locale.ROOT, "%.3f", (t.at(s, r, e) - origin) * 1e3)).append('\n');
                }
            }
        }
        return b.toString();
    }

    /** "measured ms" and "error" columns for one measured time (dashes if there is none). */
    private static String cell(double predicted, Double measured) {
        if (measured == null || !(measured > 0)) {
            return String.format(Locale.ROOT, "%12s %8s", "-", "-");
        }
        return String.format(Locale.ROOT, "%12.3f %+7.1f%%", measured * 1e3, (predicted - measured) / measured * 100);
    }

    /** Median over the measured layers of |predicted - measured| / measured (upper median); NaN if none. */
    private static double medianError(Plan p, java.util.Map<String, Double> measured) {
        double[] errs = p.layers().stream().filter(l -> measured.get(l.name()) != null && measured.get(l.name()) > 0)
                .mapToDouble(l -> Math.abs(l.seconds() - measured.get(l.name())) / measured.get(l.name())).toArray();
        return errs.length == 0 ? Double.NaN : Calibration.median(errs);
    }

    private static void putMs(ObjectNode o, String key, Double seconds) {
        if (seconds == null) {
            o.putNull(key);
        } else {
            o.put(key, seconds * 1e3);
        }
    }

    /** Median of the timed steps (all but the first {@code untimed}). */
    private static double median(double[] perStep, int untimed) {
        return Calibration.median(Arrays.copyOfRange(perStep, untimed, perStep.length));
    }

    /**
     * Whether timed steps (in order) were still getting faster: the fastest step of their first half is more than
     * 20 % slower than the fastest of their second half (the halves share the middle step of an odd count). The
     * fastest, not the median, so that a step slowed by other load is not taken for warm-up.
     */
    static boolean stillWarmingUp(double[] timed) {
        if (timed.length < 2) {
            return false;
        }
        int half = (timed.length + 1) / 2;
        double early = Arrays.stream(timed, 0, half).min().getAsDouble();
        double late = Arrays.stream(timed, timed.length - half, timed.length).min().getAsDouble();
        return early > 1.2 * late;
    }

    private static String stepList(double[] seconds) {
        StringBuilder b = new StringBuilder();
        for (double v : seconds) {
            b.append(b.length() > 0 ? ", " : "").append(String.format(Locale.ROOT, "%.0f", v * 1e3));
        }
        return b.toString();
    }
}
