package org.spatialconv.perfmodel.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.Backends;
import org.spatialconv.conv.io.AtomicFiles;
import org.spatialconv.conv.layers.Threads;
import org.spatialconv.perfmodel.machine.Calibration;
import org.spatialconv.perfmodel.machine.ConvTable;
import org.spatialconv.perfmodel.machine.ConvTiming;
import org.spatialconv.perfmodel.machine.Device;
import org.spatialconv.perfmodel.machine.Host;
import org.spatialconv.perfmodel.machine.LayerCalibration;
import org.spatialconv.perfmodel.machine.Link;
import org.spatialconv.perfmodel.machine.MachineProfile;
import org.spatialconv.perfmodel.machine.Profiles;
import org.spatialconv.perfmodel.net.NetworkSpec;
import org.spatialconv.perfmodel.net.TensorShape;
import org.spatialconv.perfmodel.zoo.ModelZoo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spatialconv calibrate}: measures this machine (memory bandwidth, conv timings over a grid of local
 * shapes for the convolutions of the given models, in-JVM exchange α/β) and writes a machine profile for
 * {@code plan --machine PROFILE.json}.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true, versionProvider = SpatialconvCli.Version.class,
        sortOptions = false, description = {"Measures this machine and writes a machine profile (JSON)."})
public final class CalibrateCommand extends CliCommand {
    @Option(names = "--backend", defaultValue = "cpu", paramLabel = "cpu|cuda",
            description = "Backend whose kernels are timed. Default: ${DEFAULT-VALUE}. With cpu, each layer runs "
                    + "the algorithm train will run (SPATIALCONV_CPU_CONV=auto|gemm|winograd; see "
                    + "docs/cpu-backend.md). With cuda, each layer runs the engine and kernel tile chosen on its "
                    + "first call (SPATIALCONV_CONV_ENGINE, SPATIALCONV_CONV_TILE and "
                    + "SPATIALCONV_CONV_MATH=fp32|tf32 steer that; see docs/cuda.md).")
    String backend;

    @Option(names = "--ranks", defaultValue = "1", paramLabel = "R",
            description = "Ranks this machine will run: memory is divided among them, and every timing is also "
                    + "taken with 2, 4, ... and R ranks running at once. Default: ${DEFAULT-VALUE}.")
    int ranks;

    @Option(names = "--threads", paramLabel = "T",
            description = "Backend threads per rank while timing (default: cores / ranks running at once, at "
                    + "least 1, as train and validate choose).")
    Integer threads;

    @Option(names = "--models", defaultValue = "meshnet,unet", split = ",", paramLabel = "M[,M...]",
            description = "Models whose conv configurations are timed. Default: ${DEFAULT-VALUE}.")
    List<String> models;

    @Option(names = "--sizes", defaultValue = "8,16,32,64", split = ",", paramLabel = "S[,S...]",
            description = "Local output sides timed per configuration. Default: ${DEFAULT-VALUE}.")
    List<Integer> sizes;

    @Option(names = "--max-gflop", defaultValue = "2", paramLabel = "G",
            description = "Skip sizes whose forward exceeds G GFLOP (the smallest is always timed). "
                    + "Default: ${DEFAULT-VALUE}.")
    double maxGflop;

    @Option(names = "--layer-sizes", split = ",", defaultValue = "64,128,256,512", paramLabel = "S,...",
            description = "Square sides (even) at which the engine's batch norm, activation, add, concat, pooling, "
                    + "upsampling and loss kernels are timed (16 channels). Default: ${DEFAULT-VALUE}.")
    List<Integer> layerSizes;

    @Option(names = "--out", required = true, paramLabel = "PROFILE.json", description = "Profile to write.")
    Path out;

    @Override
    protected int execute() throws Exception {
        if (ranks < 1 || threads != null && threads < 1) {
            throw new UserException("--ranks and --threads must be >= 1");
        }
        if (sizes.isEmpty() || sizes.stream().anyMatch(s -> s < 1)) {
            throw new UserException("--sizes must be positive integers");
        }
        if (layerSizes.isEmpty() || layerSizes.stream().anyMatch(s -> s < 2 || s % 2 != 0)) {
            throw new UserException("--layer-sizes must be even integers >= 2");
        }
        PlanCommand.checkOutput(out, "--out");
        List<NetworkSpec> nets = new ArrayList<>();
        List<TensorShape> inputs = new ArrayList<>();
        for (String m : models) {
            NetworkSpec net;
            try {
                net = ModelZoo.resolve(m);
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage(), e);
            }
            nets.add(net);
            inputs.add(new TensorShape(1, net.inputChannels(), 256, 256));
        }
        List<Calibration.ConvConfig> configs = Calibration.convConfigs(nets, inputs);
        int[] sides = Calibration.sides(sizes);
        try {
            Backends.create(backend, BackendOptions.threads(1)).close(); // a bad backend fails before any timing
        } catch (RuntimeException | LinkageError e) {
            throw new UserException("backend '" + backend + "': " + e.getMessage(), e);
        }
        int cores = Runtime.getRuntime().availableProcessors();
        int[] levels = levels(ranks);
        int total = levels.length * (configs.size() * sides.length + layerSizes.size() + 1) + 1;
        Bar bar = new Bar(err(), total);
        Measured[] at = new Measured[levels.length];
        for (int i = 0; i < levels.length; i++) {
            int k = levels[i];
            int t = threads != null ? threads : Math.max(1, cores / k);
            at[i] = measure(k, t, configs, sides, bar);
        }
        bar.step("in-JVM exchange alpha/beta");
        double[] link = Calibration.inJvmLink();
        bar.finish();
        Measured alone = at[0];
        List<Host.Level> shared = new ArrayList<>();
        for (int i = 1; i < at.length; i++) {
            Measured m = at[i];
            shared.add(new Host.Level(m.ranks(), m.threads(), m.bandwidth(), m.rate(), new ConvTable(m.timings()),
                    m.layerRates(), m.sync()));
        }
        List<ConvTiming> timings = alone.timings();
        double bw = alone.bandwidth();
        double rate = alone.rate();
        Map<String, Double> layerRates = alone.layerRates();
        long memory = Runtime.getRuntime().maxMemory() / ranks;
        int threadsAlone = alone.threads();
        Map<String, String> src = new LinkedHashMap<>();
        String how = "measured by 'spatialconv calibrate --backend " + backend + " --ranks " + ranks
                + "' (1 rank, " + threadsAlone + " thread(s))";
        src.put("ranks_per_node", "--ranks " + ranks + ": all ranks in one JVM on this machine");
        src.put("device.memory_bytes", "JVM max heap / ranks (" + how + ")");
        src.put("device.reserved_bytes", "assumption: 10% of the heap share for JVM and buffers");
        String repeats = String.format(java.util.Locale.ROOT, "median of %d to %d runs (about %.1f s of them) after "
                + "a warm-up of at least %.0f ms", Calibration.REPEATS, Calibration.MAX_RUNS, Calibration.TIMED_NANOS / 1e9,
                Calibration.WARM_UP_NANOS / 1e6);
        src.put("device.memory_bandwidth", how + ": median of at least " + Calibration.REPEATS + " 64 MiB array copies");
        src.put("device.peak_flops", how + ": median achieved forward conv rate over the timed shapes");
        src.put("device.conv_efficiency", "1.0: peak_flops is already the achieved rate");
        src.put("device.kernel_overhead_s", "assumption: 20 us per layer call on the CPU backend");
        src.put("links.intra.alpha_s", how + ": half a 1-float in-JVM ping-pong");
        src.put("links.intra.bandwidth", how + ": 4 MiB in-JVM ping-pong");
        src.put("links.inter.alpha_s", "same as intra (one machine)");
        src.put("links.inter.bandwidth", "same as intra (one machine)");
        src.put("layer_rates", how + ": the engine's own layer kernels "
                + "(org.spatialconv.conv.layers) at " + LayerCalibration.CHANNELS + " channels and sides "
                + layerSizes + ", " + repeats + "; bytes/s of the "
                + "cost model's modelled traffic per layer class and pass");
        src.put("conv_table", how + ": " + repeats);
        src.put("host.cores", "the JVM's available processors on this machine");
        src.put("host.threads_per_rank", "threads of the lone rank of the profile's own numbers");
        src.put("host.shared.sync_s", "extra span (first start to last end) per round of " + LayerCalibration.SYNC_WORK
                + " batch-norm forwards (" + LayerCalibration.CHANNELS + "x" + LayerCalibration.SYNC_SIDE + "x"
                + LayerCalibration.SYNC_SIDE + ") with an allreduce after each round, against none, all ranks at once; "
                + LayerCalibration.SYNC_ROUNDS + " rounds, median of " + Calibration.REPEATS);
        src.put("host.shared", "the same measurements with 2, 4, ... and --ranks ranks running the same kernels "
                + "at once, each on its own tensors and threads; a run lasts from the first rank's start to the last "
                + "rank's end");
        MachineProfile p = new MachineProfile("calibrated-" + backend, "measured on this machine (" + cores
                + " cores, " + ranks + " rank(s))", true, new Device(backend + " x" + threadsAlone + " threads",
                memory, memory / 10, bw, Double.isNaN(rate) ? 1e10 : rate, 1.0, 2e-5), new Link(link[0], link[1]),
                new Link(link[0], link[1]), ranks, new ConvTable(timings), src, layerRates,
                new Host(cores, threadsAlone, shared));
        AtomicFiles.write(out, tmp -> Profiles.write(p, tmp));
        out().printf("wrote %s: %d conv timings, memory bandwidth %.2f GB/s, conv rate %.2f GFLOP/s, "
                + "in-JVM alpha %.1f us, bandwidth %.2f GB/s%n", out, timings.size(), bw / 1e9, rate / 1e9,
                link[0] * 1e6, link[1] / 1e9);
        layerRates.forEach((k, v) -> out().printf("  layer rate %-22s %7.2f GB/s%n", k, v / 1e9));
        for (int i = 1; i < at.length; i++) {
            Measured m = at[i];
            out().printf("%d ranks at once, %d thread(s) each, per rank: conv rate %.2f GFLOP/s, memory bandwidth "
                    + "%.2f GB/s, exchange wait %.2f ms; conv time x%.2f, layer time x%.2f (medians) of 1 rank "
                    + "with %d thread(s)%n", m.ranks(), m.threads(), m.rate() / 1e9, m.bandwidth() / 1e9,
                    m.sync() * 1e3,
                    medianRatio(convSeconds(m.timings()), convSeconds(timings)),
                    medianRatio(inverse(m.layerRates()), inverse(layerRates)), threadsAlone);
        }
        return 0;
    }

    /** What one level of sharing measured: {@code ranks} ranks at once, {@code threads} threads each. */
    private record Measured(int ranks, int threads, List<ConvTiming> timings, Map<String, Double> layerRates,
            double bandwidth, double rate, double sync) {
    }

    private Measured measure(int k, int t, List<Calibration.ConvConfig> configs, int[] sides, Bar bar) {
        String tag = k == 1 ? "" : "[" + k + " ranks] ";
        bar.step(tag + "memory bandwidth");
        double bw = Calibration.memoryBandwidth(k);
        List<Backend> backends = new ArrayList<>();
        List<ConvTiming> timings;
        try {
            for (int r = 0; r < k; r++) {
                backends.add(Backends.create(backend, BackendOptions.threads(t)));
            }
            timings = Calibration.convTimings(backends, configs, sides, maxGflop * 1e9, w -> bar.step(tag + w));
        } finally {
            for (Backend b : backends) {
                b.close();
            }
        }
        Map<String, Double> rates = LayerCalibration.measure(new Threads(t), k, layerSizes, w -> bar.step(tag + w));
        double sync = LayerCalibration.syncSeconds(new Threads(t), k);
        return new Measured(k, t, timings, rates, bw, Calibration.achievedRate(timings), sync);
    }

    /** Rank counts timed at once: 1, the powers of two below {@code ranks}, and {@code ranks}. */
    static int[] levels(int ranks) {
        List<Integer> out = new ArrayList<>();
        for (int k = 1; k < ranks; k *= 2) {
            out.add(k);
        }
        out.add(ranks);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static Map<String, Double> convSeconds(List<ConvTiming> timings) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (ConvTiming t : timings) {
            m.put(t.key() + "@" + t.pixels(), t.seconds());
        }
        return m;
    }

    private static Map<String, Double> inverse(Map<String, Double> rates) {
        Map<String, Double> m = new LinkedHashMap<>();
        rates.forEach((k, v) -> m.put(k, 1 / v));
        return m;
    }

    /** Median over the keys both have of {@code a / base}; NaN if none. */
    private static double medianRatio(Map<String, Double> a, Map<String, Double> base) {
        List<Double> r = new ArrayList<>();
        a.forEach((k, v) -> {
            Double b = base.get(k);
            if (b != null) {
                r.add(v / b);
            }
        });
        if (r.isEmpty()) {
            return Double.NaN;
        }
        r.sort(Double::compare);
        return r.get(r.size() / 2);
    }

    /** A text progress bar on standard error. */
    static final class Bar {
        private static final int WIDTH = 30;
        private final java.io.PrintWriter err;
        private final int total;
        private int done;

        Bar(java.io.PrintWriter err, int total) {
            this.err = err;
            this.total = total;
        }

        void step(String what) {
            done = Math.min(total, done + 1);
            int fill = WIDTH * done / total;
            err.printf("\r[%s%s] %d/%d %-50s", "#".repeat(fill), ".".repeat(WIDTH - fill), done, total,
                    what.length() > 50 ? what.substring(0, 50) : what);
            err.flush();
        }

        void finish() {
            err.println();
            err.flush();
        }
    }
}
