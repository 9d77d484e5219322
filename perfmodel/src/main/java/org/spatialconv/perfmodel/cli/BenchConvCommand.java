package org.spatialconv.perfmodel.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.cpu.CpuConfig;
import org.spatialconv.conv.io.AtomicFiles;
import org.spatialconv.perfmodel.machine.Calibration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code spatialconv bench conv}: times forward, backward-data and backward-filter of one layer on random data.
 * After {@link #WARMUP} untimed iterations, each timed iteration runs the three passes once and times each;
 * the table shows the median, minimum and maximum per pass, and GFLOP/s at the median ({@code 2 * MACs} FLOPs
 * per pass; the three passes have the same MAC count).
 */
@Command(name = "conv", mixinStandardHelpOptions = true, versionProvider = SpatialconvCli.Version.class,
        sortOptions = false,
        description = "Times forward, backward-data and backward-filter of one convolution layer on random data.")
public final class BenchConvCommand extends CliCommand {
    /** Untimed iterations before timing, so the JIT has compiled the kernels and buffers are allocated. */
    static final int WARMUP = 2;
    /** Seed of the random data; the values do not affect timing, but runs should be repeatable. */
    static final long SEED = 42L;

    @Option(names = "--batch", required = true, paramLabel = "N", description = "Samples.")
    int batch;

    @Option(names = "--channels", required = true, paramLabel = "C", description = "Input channels.")
    int channels;

    @Option(names = "--size", required = true, paramLabel = "HxW", converter = IntPair.SizeConverter.class,
            description = "Spatial size, e.g. 1024x1024.")
    IntPair size;

    @Option(names = "--filters", required = true, paramLabel = "K", description = "Output channels (filters).")
    int filters;

    @Option(names = "--kernel", required = true, paramLabel = "R", converter = IntPair.Converter.class,
            description = "Kernel size: R (square) or R,S.")
    IntPair kernel;

    @Option(names = "--stride", paramLabel = "S", defaultValue = "1", converter = IntPair.Converter.class,
            description = "Stride: a or a,b. Default: ${DEFAULT-VALUE}.")
    IntPair stride;

    @Option(names = "--padding", paramLabel = "P", defaultValue = "0", converter = IntPair.Converter.class,
            description = "Zero padding on both sides: a or a,b. Default: ${DEFAULT-VALUE}.")
    IntPair padding;

    @Option(names = "--grid", paramLabel = "n,h,w", defaultValue = "1,1,1", converter = GridSpec.Converter.class,
            description = "Process grid over samples, rows, columns. Default: ${DEFAULT-VALUE}.")
    GridSpec grid;

    @Option(names = "--threads", paramLabel = "T", description = "Worker threads (per rank). Default: all "
            + "available processors.")
    Integer threads;

    @Option(names = "--iterations", paramLabel = "I", defaultValue = "10",
            description = "Timed iterations (after " + WARMUP + " warm-up). Default: ${DEFAULT-VALUE}.")
    int iterations;

    @Mixin
    LaunchOptions launch;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the medians as JSON.")
    Path json;

    @Override
    protected int execute() throws IOException {
        positive(batch, "--batch");
        positive(channels, "--channels");
        positive(size.h(), "--size height");
        positive(size.w(), "--size width");
        positive(filters, "--filters");
        positive(kernel.h(), "--kernel");
        positive(kernel.w(), "--kernel");
        positive(iterations, "--iterations");
        int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        positive(t, "--threads");
        if (json != null) {
            new OutputSet().declare(json, "--json");
        }
        ConvGeometry g;
        Shape xs;
        Shape ws;
        Shape ys;
        try {
            g = ConvGeometry.of2d(kernel.h(), kernel.w(), stride.h(), stride.w(), padding.h(), padding.w(), 1, 1, 1);
            xs = Shape.nchw(batch, channels, size.h(), size.w());
            ws = g.weightShape(channels, filters);
            ys = g.outputShape(xs, ws);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        }
        LayerExecution.checkGridFits(grid, xs);
        if (launch.launchIfRequested(spec(), grid)) {
            return 0; // rank 0 of the launched processes printed the results
        }
        double flops = 2.0 * g.macs(xs, filters);

        SplittableRandom rnd = new SplittableRandom(SEED);
        Tensor x = random(xs, rnd);
        Tensor w = random(ws, rnd);
        Tensor dy = random(ys, rnd);
        Tensor y = Tensor.zeros(ys);
        Tensor dx = Tensor.zeros(xs);
        Tensor dw = Tensor.zeros(ws);
        double[][] ms = new double[3][iterations];
        Progress progress = new Progress(err(), commandName());
        try (LayerExecutor exec = LayerExecution.open(g, grid, t)) {
            for (int i = 0; i < WARMUP; i++) {
                progress.update("warm-up " + (i + 1) + "/" + WARMUP);
                exec.forward(x, w, null, y);
                exec.backwardData(dy, w, dx);
                exec.backwardFilter(x, dy, dw);
            }
            for (int i = 0; i < iterations; i++) {
                progress.update("iteration " + (i + 1) + "/" + iterations);
                long t0 = System.nanoTime();
                exec.forward(x, w, null, y);
                long t1 = System.nanoTime();
                exec.backwardData(dy, w, dx);
                long t2 = System.nanoTime();
                exec.backwardFilter(x, dy, dw);
                long t3 = System.nanoTime();
                ms[0][i] = (t1 - t0) / 1e6;
                ms[1][i] = (t2 - t1) / 1e6;
                ms[2][i] = (t3 - t2) / 1e6;
            }
        }
        checkFinite(y, "forward");
        checkFinite(dx, "backward-data");
        checkFinite(dw, "backward-filter");

        String[] names = {"forward", "backward-data", "backward-filter"};
        double[] median = new double[3];
        double[] gflops = new double[3];
        PrintWriter out = out();
        out.printf(Locale.ROOT, "bench conv: N=%d C=%d H=%d W=%d K=%d kernel=%dx%d stride=%s padding=%s -> output %s%n",
                batch, channels, size.h(), size.w(), filters, kernel.h(), kernel.w(), stride, padding, ys);
        out.printf(Locale.ROOT, "backend=%s (%s=%s) grid=%s threads=%d iterations=%d (after %d warm-up), %.4g GFLOP "
                + "per pass%n", LayerExecution.BACKEND, CpuConfig.ALGORITHM_ENV, cpuAlgorithm(), grid, t, iterations,
                WARMUP, flops / 1e9);
        out.printf(Locale.ROOT, "%-16s %12s %12s %12s %12s%n", "pass", "median ms", "min ms", "max ms", "GFLOP/s");
        for (int p = 0; p < 3; p++) {
            double[] s = ms[p].clone();
            Arrays.sort(s);
            median[p] = Calibration.median(s);
            gflops[p] = flops / (median[p] * 1e6);
            out.printf(Locale.ROOT, "%-16s %12.3f %12.3f %12.3f %12.2f%n", names[p], median[p], s[0],
                    s[s.length - 1], gflops[p]);
        }
        out.flush();
        if (json != null && MpjRanks.rank() == 0) {
            writeJson(median, gflops, ms, t, flops);
        }
        return 0;
    }

    /** The CPU backend's algorithm setting in effect (docs/cpu-backend.md, "Which algorithm"). */
    private static String cpuAlgorithm() {
        return CpuConfig.defaults(1).algorithm().name().toLowerCase(Locale.ROOT);
    }

    private void writeJson(double[] median, double[] gflops, double[][] ms, int t, double flops) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("fwd_ms", median[0]);
        m.put("bwd_data_ms", median[1]);
        m.put("bwd_filter_ms", median[2]);
        m.put("fwd_gflops", gflops[0]);
        m.put("bwd_data_gflops", gflops[1]);
        m.put("bwd_filter_gflops", gflops[2]);
        String[] keys = {"fwd", "bwd_data", "bwd_filter"};
        for (int p = 0; p < 3; p++) {
            m.put(keys[p] + "_min_ms", Arrays.stream(ms[p]).min().orElseThrow());
            m.put(keys[p] + "_max_ms", Arrays.stream(ms[p]).max().orElseThrow());
        }
        m.put("flop_per_pass", flops);
        m.put("batch", batch);
        m.put("channels", channels);
        m.put("height", size.h());
        m.put("width", size.w());
        m.put("filters", filters);
        m.put("kernel", kernel.toString());
        m.put("stride", stride.toString());
        m.put("padding", padding.toString());
        m.put("grid", grid.toString());
        m.put("threads", t);
        m.put("iterations", iterations);
        m.put("warmup", WARMUP);
        m.put("backend", LayerExecution.BACKEND);
        m.put("cpu_algorithm", cpuAlgorithm());
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (b.length() > 1) {
                b.append(", ");
            }
            b.append('"').append(e.getKey()).append("\": ");
            Object v = e.getValue();
            if (v instanceof Double d) {
                b.append(String.format(Locale.ROOT, "%.6g", d));
            } else if (v instanceof Integer) {
                b.append(v);
            } else {
                b.append('"').append(v).append('"');
            }
        }
        b.append("}\n");
        byte[] bytes = b.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(json, tmp -> Files.write(tmp, bytes));
    }

    private static Tensor random(Shape s, SplittableRandom rnd) {
        Tensor t = Tensor.zeros(s);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return t;
    }

    /** A benchmark of a broken kernel is worthless: fail rather than report its speed. */
    private static void checkFinite(Tensor t, String pass) {
        for (float v : t.data()) {
            if (!Float.isFinite(v)) {
                throw new IllegalStateException(pass + " produced a non-finite value");
            }
        }
    }

    private static void positive(int v, String option) {
        if (v < 1) {
            throw new UserException(option + " must be at least 1, got " + v);
        }
    }
}
