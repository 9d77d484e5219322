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
            description = "Backend whose kernels are timed. Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--ranks", defaultValue = "1", paramLabel = "R",
            description = "Ranks this machine will run; memory is divided among them. Default: ${DEFAULT-VALUE}.")
    int ranks;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "T",
            description = "Backend threads per rank while timing. Default: ${DEFAULT-VALUE}.")
    int threads;

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
        if (ranks < 1 || threads < 1) {
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
        Backend b;
        try {
            b = Backends.create(backend, BackendOptions.threads(threads));
        } catch (RuntimeException | LinkageError e) {
            throw new UserException("backend '" + backend + "': " + e.getMessage(), e);
        }
        int total = configs.size() * sides.length + layerSizes.size() + 2;
        Bar bar = new Bar(err(), total);
        bar.step("memory bandwidth");
        double bw = Calibration.memoryBandwidth();
        List<ConvTiming> timings;
        try (b) {
            timings = Calibration.convTimings(b, configs, sides, maxGflop * 1e9, bar::step);
        }
        Map<String, Double> layerRates = LayerCalibration.measure(new Threads(threads), layerSizes, bar::step);
        bar.step("in-JVM exchange alpha/beta");
        double[] link = Calibration.inJvmLink();
        bar.finish();
        double rate = Calibration.achievedRate(timings);
        long memory = Runtime.getRuntime().maxMemory() / ranks;
        Map<String, String> src = new LinkedHashMap<>();
        String how = "measured by 'spatialconv calibrate --backend " + backend + " --threads " + threads + "'";
        src.put("ranks_per_node", "--ranks " + ranks + ": all ranks in one JVM on this machine");
        src.put("device.memory_bytes", "JVM max heap / ranks (" + how + ")");
        src.put("device.reserved_bytes", "assumption: 10% of the heap share for JVM and buffers");
        src.put("device.memory_bandwidth", how + ": best 64 MiB array copy");
        src.put("device.peak_flops", how + ": median achieved forward conv rate over the timed shapes");
        src.put("device.conv_efficiency", "1.0: peak_flops is already the achieved rate");
        src.put("device.kernel_overhead_s", "assumption: 20 us per layer call on the CPU backend");
        src.put("links.intra.alpha_s", how + ": half a 1-float in-JVM ping-pong");
        src.put("links.intra.bandwidth", how + ": 4 MiB in-JVM ping-pong");
        src.put("links.inter.alpha_s", "same as intra (one machine)");
        src.put("links.inter.bandwidth", "same as intra (one machine)");
        src.put("layer_rates", how + ": the engine's own layer kernels "
                + "(org.spatialconv.conv.layers) at " + LayerCalibration.CHANNELS + " channels and sides "
                + layerSizes + ", minimum of " + Calibration.REPEATS + " runs after a warm-up; bytes/s of the "
                + "cost model's modelled traffic per layer class and pass");
        src.put("conv_table", how + ": minimum of " + Calibration.REPEATS + " runs after a warm-up");
        MachineProfile p = new MachineProfile("calibrated-" + backend, "measured on this machine, " + threads
                + " thread(s) per rank", true, new Device(backend + " x" + threads + " threads", memory,
                memory / 10, bw, Double.isNaN(rate) ? 1e10 : rate, 1.0, 2e-5), new Link(link[0], link[1]),
                new Link(link[0], link[1]), ranks, new ConvTable(timings), src, layerRates);
        AtomicFiles.write(out, tmp -> Profiles.write(p, tmp));
        out().printf("wrote %s: %d conv timings, memory bandwidth %.2f GB/s, conv rate %.2f GFLOP/s, "
                + "in-JVM alpha %.1f us, bandwidth %.2f GB/s%n", out, timings.size(), bw / 1e9, rate / 1e9,
                link[0] * 1e6, link[1] / 1e9);
        layerRates.forEach((k, v) -> out().printf("  layer rate %-22s %7.2f GB/s%n", k, v / 1e9));
        return 0;
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
