package org.spatialconv.perfmodel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.spatialconv.conv.io.AtomicFiles;
import org.spatialconv.perfmodel.cost.Grid;
import org.spatialconv.perfmodel.net.NetworkSpec;
import org.spatialconv.perfmodel.search.LayerPlan;
import org.spatialconv.perfmodel.cost.CostModel;
import org.spatialconv.perfmodel.search.Plan;
import org.spatialconv.perfmodel.search.Planner;
import org.spatialconv.mpj.launch.LaunchConfig;
import org.spatialconv.mpj.launch.LaunchException;
import org.spatialconv.mpj.launch.MpjLauncher;
import org.spatialconv.perfmodel.train.TrainConfig;
import org.spatialconv.perfmodel.train.TrainRankTask;
import org.spatialconv.perfmodel.train.TrainResult;
import org.spatialconv.perfmodel.train.Trainer;
import org.spatialconv.perfmodel.zoo.ModelZoo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code spatialconv train}: trains a zoo model or a JSON network on the synthetic PDE data set on in-JVM ranks,
 * printing the loss per step, throughput and peak memory per rank.
 */
@Command(name = "train", mixinStandardHelpOptions = true, versionProvider = SpatialconvCli.Version.class,
        sortOptions = false, description = "Train a network on generated PDE samples with the sample split over ranks.")
public final class TrainCommand extends CliCommand {
    @Mixin
    NetworkOptions net;

    @Option(names = "--ranks", required = true, paramLabel = "R", description = "Ranks (threads of this JVM).")
    int ranks;

    @Option(names = "--grid", paramLabel = "n,h,w", converter = GridSpec.Converter.class,
            description = "Process grid: samples x rows x columns; product must equal --ranks.")
    GridSpec grid;

    @Option(names = "--strategy", paramLabel = "auto", description = "Let the planner choose the grid.")
    String strategy;

    @Option(names = "--steps", paramLabel = "S", defaultValue = "10", description = "Optimizer steps (default 10).")
    int steps;

    @Option(names = "--warmup", paramLabel = "W",
            description = "Steps left out of the throughput (JIT compilation, heap growth). Default: 1 (0 with "
                    + "--steps 1); ResNet-50 needs about 5.")
    Integer warmup;

    @Option(names = "--seed", paramLabel = "X", defaultValue = "1", description = "Data and initialisation seed.")
    long seed;

    @Option(names = "--launch", paramLabel = "mpj", description = "Run ranks as MPJ Express processes.")
    String launch;

    @Option(names = "--threads", paramLabel = "T", description = "Kernel threads per rank (default: cores / ranks).")
    Integer threads;

    @Option(names = "--optimizer", paramLabel = "sgd|adam", defaultValue = "sgd",
            description = "sgd (momentum 0.9) or adam (default sgd).")
    String optimizer;

    @Option(names = "--lr", paramLabel = "RATE", description = "Learning rate (default 0.01 for sgd, 0.001 for adam).")
    Double lr;

    @Option(names = "--sweeps", paramLabel = "K", defaultValue = "100",
            description = "Jacobi sweeps per generated sample (default 100).")
    int sweeps;

    @Option(names = "--overlap", paramLabel = "on|off",
            description = "Overlap each split convolution's halo exchange with its interior (on), or exchange "
                    + "first and compute each pass in one piece (off). Default: off for in-JVM ranks (their "
                    + "exchange is a memory copy with nothing to hide, and one piece is about 5%% faster), on "
                    + "with --launch mpj.")
    String overlap;

    @Option(names = "--machine", paramLabel = "NAME|PROFILE.json",
            description = "Machine profile the planner uses with --strategy auto: a `calibrate` output, or "
                    + "a built-in name (default: cpu-local).")
    String machine;

    @Option(names = "--grad-overlap", paramLabel = "on|off",
            description = "Sum the gradients over ranks during backward, in buckets of --bucket-mib started as soon "
                    + "as backward has finished their layers, on a thread of each rank's own (on, as PyTorch DDP; "
                    + "what `plan` assumes), or in one allreduce after backward (off). Bit-identical results "
                    + "either way. Default: off for in-JVM ranks, on with --launch mpj.")
    String gradOverlap;

    @Option(names = "--bucket-mib", paramLabel = "M", defaultValue = "25",
            description = "Gradient bucket size for --grad-overlap on, MiB (default 25, as PyTorch DDP).")
    double bucketMib;

    @Option(names = "--json", paramLabel = "FILE",
            description = "Write {\"loss\":[...], \"samples_per_s\":..., \"peak_bytes_per_rank\":...}.")
    Path json;

    @Override
    protected int execute() throws Exception {
        int batch = net.batch();
        IntPair sample = net.size();
        positive(ranks, "--ranks");
        positive(steps, "--steps");
        int untimed = warmupSteps(warmup, steps);
        if (sweeps < 0) {
            throw new UserException("--sweeps must be >= 0, got " + sweeps);
        }
        // both overlaps default to on only across processes (MPJ), where the exchanges are transfers worth hiding
        overlap = onOff(overlap, "--overlap", launch != null);
        gradOverlap = onOff(gradOverlap, "--grad-overlap", launch != null);
        if (!(bucketMib > 0) || bucketMib > 1024) {
            throw new UserException("--bucket-mib must be in (0, 1024], got " + bucketMib);
        }
        if (launch != null && !launch.equals("mpj")) {
            throw new UserException("--launch must be 'mpj', got '" + launch + "'");
        }
        int t = threads == null ? Math.max(1, Runtime.getRuntime().availableProcessors() / ranks) : threads;
        positive(t, "--threads");
        if (machine != null && strategy == null) {
            throw new UserException("--machine is only used with --strategy auto");
        }
        if (machine == null) {
            machine = "cpu-local";
        }
        java.util.Map<String, int[]> layerGrids = new java.util.LinkedHashMap<>();
        String planned = null;
        if (strategy != null) {
            if (!strategy.equals("auto")) {
                throw new UserException("--strategy must be 'auto', got '" + strategy + "'");
            }
            if (grid != null) {
                throw new UserException("give either --grid or --strategy auto, not both");
            }
            Plan plan = plan(layerGrids, t, gradOverlap.equals("on"));
            grid = new GridSpec(plan.inputGrid().n(), plan.inputGrid().h(), plan.inputGrid().w());
            planned = String.format(Locale.ROOT, "strategy auto (planner, machine %s): input grid %s, "
                    + "predicted %.3f s per iteration, %d layer grids%n%s", machine, grid, plan.iterationSeconds(),
                    layerGrids.size(), plannedWhy);
        }
        if (grid == null) {
            throw new UserException("give --grid n,h,w or --strategy auto");
        }
        if (grid.ranks() != ranks) {
            throw new UserException("--grid " + grid + " has " + grid.ranks() + " ranks but --ranks is " + ranks);
        }
        if (!optimizer.equals("sgd") && !optimizer.equals("adam")) {
            throw new UserException("--optimizer must be sgd or adam, got '" + optimizer + "'");
        }
        double rate = lr != null ? lr : optimizer.equals("adam") ? 1e-3 : 1e-2;
        if (!(rate > 0)) {
            throw new UserException("--lr must be > 0");
        }
        if (json != null) {
            new OutputSet().declare(json, "--json");
        }
        NetworkSpec spec;
        try {
            spec = ModelZoo.resolve(net.model);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        }
        TrainConfig cfg = new TrainConfig(spec, sample.h(), sample.w(), batch,
                new int[] {grid.n(), grid.h(), grid.w()}, steps, seed, t, optimizer, rate, sweeps, layerGrids,
                overlap.equals("on"), gradOverlap.equals("on") ? Math.max(1, (long) (bucketMib * 1048576)) : 0);
        PrintWriter out = out();
        PrintWriter err = err();
        out.printf(Locale.ROOT, "train %s: sample %dx%d, batch %d, grid %s (%d ranks x %d threads), %s lr %g, %d steps"
                + ", overlap %s, gradient allreduce %s%n", spec.name(), sample.h(), sample.w(), batch, grid, ranks, t,
                optimizer, rate, steps, overlap, gradOverlap.equals("on")
                        ? String.format(Locale.ROOT, "during backward (%.4g MiB buckets)", bucketMib) : "after backward");
        if (planned != null) {
            out.println(planned);
        }
        out.flush();
        TrainResult r;
        try {
            r = launch != null ? runMpj(cfg) : runInJvm(cfg, err);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        }
        for (int s = 0; s < steps; s++) {
            out.printf(Locale.ROOT, "step %d loss %.6g (%.3f s)%n", s + 1, r.loss()[s], r.stepSeconds()[s]);
        }
        double samplesPerS = TrainResult.samplesPerSecond(batch, r.stepSeconds(), untimed);
        out.printf(Locale.ROOT, "throughput: %.4g samples/s (steps %s)%n", samplesPerS,
                untimed + 1 < steps ? (untimed + 1) + ".." + steps : String.valueOf(steps));
        out.printf(Locale.ROOT, "peak heap per rank: %.1f MiB (%s)%n", r.peakBytesPerRank() / 1048576.0,
                launch != null ? "largest rank process's heap peak" : "JVM heap peak / " + ranks + " ranks");
        out.flush();
        for (double l : r.loss()) {
            if (!Double.isFinite(l)) {
                throw new IllegalStateException("loss became " + l + "; lower --lr");
            }
        }
        if (json != null) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("loss", r.loss());
            m.put("samples_per_s", samplesPerS);
            m.put("warmup_steps", untimed);
            m.put("peak_bytes_per_rank", r.peakBytesPerRank());
            m.put("step_seconds", r.stepSeconds());
            m.put("model", spec.name());
            m.put("grid", grid.toString());
            m.put("threads_per_rank", t);
            byte[] bytes = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(m);
            Path tmp = AtomicFiles.stage(json, p -> Files.write(p, bytes));
            AtomicFiles.commit(tmp, json);
        }
        return 0;
    }

    /** {@code value} if it is {@code on} or {@code off}, the default if absent; else one error line. */
    private static String onOff(String value, String option, boolean defaultOn) {
        if (value == null) {
            return defaultOn ? "on" : "off";
        }
        if (!value.equals("on") && !value.equals("off")) {
            throw new UserException(option + " must be 'on' or 'off', got '" + value + "'");
        }
        return value;
    }

    /**
     * Runs the planner for {@code --machine} (default: the built-in CPU profile) and fills {@code layerGrids}. The
     * model is told what this run does: no idle ranks (the engine needs a sample per sample part), the threads
     * per rank, and the gradient allreduce after backward unless {@code --grad-overlap on}.
     */
    /** {@link PlanReport#whyLine} of the plan {@link #plan} made. */
    private String plannedWhy;

    private Plan plan(java.util.Map<String, int[]> layerGrids, int threadsPerRank, boolean gradientsOverlapped) {
        PlanCommand.Setup s = PlanCommand.Setup.of(net, machine, null, optimizer, "global");
        Planner.Result r;
        CostModel m = new CostModel(s.net(), s.input(), s.machine(), ranks, s.options().withIdleRanks(false)
                .withThreadsPerRank(threadsPerRank).withTrainerStep(!gradientsOverlapped));
        try {
            r = Planner.plan(m);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        }
        if (!r.fits()) {
            throw new UserException("the planner found no plan that fits: " + r.reason());
        }
        plannedWhy = PlanReport.whyLine(r.plan(), r.singleGridPlans());
        for (LayerPlan lp : r.plan().layers()) {
            Grid g = lp.cost().grid();
            layerGrids.put(lp.name(), new int[] {g.n(), g.h(), g.w()});
        }
        return r.plan();
    }

    private TrainResult runInJvm(TrainConfig cfg, PrintWriter err) {
        long start = System.nanoTime();
        int steps = cfg.steps();
        return Trainer.run(cfg, s -> {
            int done = s + 1;
            int bar = 30 * done / steps;
            err.printf(Locale.ROOT, "\r[%s%s] %d/%d steps, %.1f s", "#".repeat(bar), ".".repeat(30 - bar), done,
                    steps, (System.nanoTime() - start) / 1e9);
            if (done == steps) {
                err.println();
            }
            err.flush();
        });
    }

    /** One MPJ Express process per rank; rank 0 hands the result back through a temporary JSON file. */
    private TrainResult runMpj(TrainConfig cfg) throws Exception {
        Path result = Files.createTempFile("spatialconv-train-", ".json");
        try {
            LaunchConfig lc = LaunchConfig.local(cfg.ranks(), TrainRankTask.class,
                    TrainRankTask.args(Files.isRegularFile(Path.of(net.model)) ? Path.of(net.model).toAbsolutePath().toString()
                            : net.model, cfg, result)).withTimeouts(Duration.ofMinutes(30),
                    LaunchConfig.DEFAULT_FAIL_TIMEOUT, Duration.ofSeconds(60));
            err().println("train: launching " + cfg.ranks() + " MPJ Express rank processes (progress is not shown)");
            err().flush();
            MpjLauncher.run(lc);
            JsonNode j = new ObjectMapper().readTree(result.toFile());
            double[] loss = new double[cfg.steps()];
            double[] secs = new double[cfg.steps()];
            for (int s = 0; s < loss.length; s++) {
                loss[s] = j.get("loss").get(s).asDouble();
                secs[s] = j.get("step_seconds").get(s).asDouble();
            }
            return new TrainResult(loss, secs, j.get("samples_per_s").asDouble(),
                    j.get("peak_bytes_per_rank").asLong(), List.of());
        } catch (LaunchException e) {
            throw new IllegalStateException("MPJ launch failed: " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(result);
        }
    }

    private static void positive(int v, String option) {
        if (v < 1) {
            throw new UserException(option + " must be >= 1, got " + v);
        }
    }
}
