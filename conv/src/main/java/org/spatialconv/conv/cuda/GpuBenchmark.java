package org.spatialconv.conv.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import jcuda.Sizeof;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Window;

/**
 * GPU benchmark of the custom kernels on device-resident tensors (no host copies in the timed region): forward,
 * backward-data and backward-filter at the issue-7 shapes (3x3, stride 1, padding 1), plus region pack/unpack
 * bandwidth against a device-to-device copy of the same bytes. Times are CUDA-event medians after warm-up.
 * It also reports which optional libraries (cuDNN, cuBLAS) are usable and, per shape and pass, which engine
 * {@link SelectingConv} selects, with each engine's trial time ({@link EngineSelector#PROPERTY} forces one), and
 * which tile variant of the custom kernels ran each pass, with every candidate's time where
 * it was measured ({@link TileSelector#PROPERTY} sets the policy); and the opt-in TF32 tensor-core variant's forward
 * and backward-data times ({@code fwd_tf32_*}, {@code bwd_data_tf32_*}), to compare with cuDNN with TF32 on.
 *
 * <p>Usage: {@code GpuBenchmark [--json FILE] [--iterations I] [--warmup W] [--device D] [--shape N,C,H,W,K,R]...
 * [--pack N,C,H,W]} (pack/unpack tensor, default 4,64,512,512).
 */
public final class GpuBenchmark {
    private static final int[][] DEFAULT_SHAPES = {{1, 16, 1024, 1024, 16, 3}, {1, 64, 512, 512, 64, 3},
        {8, 64, 56, 56, 64, 3}, {4, 128, 256, 256, 128, 3}};

    private GpuBenchmark() {
    }

    /** Runs the benchmark; exit code 2 on bad arguments, 3 when no GPU is usable. */
    public static void main(String[] args) throws IOException {
        BenchmarkArgs a = BenchmarkArgs.parseOrExit("gpu-bench", args, 20, 5, DEFAULT_SHAPES);
        a.emit(run(a.shapes(), a.pack(), a.iterations(), a.warmup(), a.device(), a.probe()));
    }

    private static String run(List<int[]> shapes, int[] pack, int iterations, int warmup, int device,
            CudaProbe probe) {
        byte[] image = NativeKernels.fatbin().orElseThrow();
        StringBuilder js = new StringBuilder();
        TileSelector.Policy tiles = TileSelector.Policy.fromSystem();
        try (CudaContext ctx = CudaContext.create(device)) {
            try (CudaModule module = ctx.loadModule(image, "spatialconv.fatbin"); CudaStream stream = ctx.createStream();
                 CudaTimer timer = new CudaTimer(ctx); DeviceLaunchTimer launchTimer = new DeviceLaunchTimer(ctx)) {
                CudaConv conv = new CudaConv(module, ctx.multiprocessorCount(), tiles, launchTimer);
                CudaConv tf32 = new CudaConv(module, ctx.multiprocessorCount(),
                        TileSelector.Policy.parse(ConvLaunch.TF32_VARIANTS.get(0), null), null);
                try (SelectingConv engines = new SelectingConv(ctx, conv, new CudaOps(module),
                        EngineSelector.Policy.fromSystem())) {
                    run(ctx, conv, tf32, engines, stream, timer, shapes, pack, iterations, warmup, probe, js);
                }
            }
        }
        return js.toString();
    }

    private static void run(CudaContext ctx, CudaConv conv, CudaConv tf32, SelectingConv engines, CudaStream stream,
            CudaTimer timer, List<int[]> shapes, int[] pack, int iterations, int warmup, CudaProbe probe,
            StringBuilder js) {
        engines.engines().forEach((k, v) -> System.err.println("gpu-bench: engine " + k + ": " + v));
        js.append(String.format(Locale.ROOT, "{\"engine\":\"spatialconv-cuda\",\"device\":\"%s\",\"cc\":%d,"
                + "\"driver\":%d,\"iterations\":%d,\"shapes\":[", ctx.deviceName(), ctx.computeCapability(),
                probe.driverVersion(), iterations));
        System.err.printf(Locale.ROOT, "%-22s %10s %10s %10s %10s %10s %10s%n", "N,C,H,W/K/R", "fwd ms",
                "bwdD ms", "bwdF ms", "fwd GF/s", "bwdD GF/s", "bwdF GF/s");
        for (int s = 0; s < shapes.size(); s++) {
            js.append(s > 0 ? "," : "").append(convCase(ctx, conv, tf32, engines, stream, timer, shapes.get(s),
                    iterations, warmup));
        }
        js.append("],\"engines\":{");
        String sep = "";
        for (Map.Entry<String, String> e : engines.engines().entrySet()) {
            js.append(sep).append(json(e.getKey())).append(':').append(json(e.getValue()));
            sep = ",";
        }
        js.append("},\"pack\":").append(packCase(ctx, conv, stream, timer, pack, iterations, warmup)).append('}');
    }

    private static String convCase(CudaContext ctx, CudaConv conv, CudaConv tf32, SelectingConv engines,
            CudaStream stream, CudaTimer timer, int[] sh, int iterations, int warmup) {
        ConvGeometry g = ConvGeometry.square(sh[5], 1, sh[5] / 2, 1, 1);
        Shape xs = Shape.nchw(sh[0], sh[1], sh[2], sh[3]);
        Shape ws = g.weightShape(sh[1], sh[4]);
        Shape ys = g.outputShape(xs, ws);
        Window yw = Window.full(ys);
        Window xw = Window.full(xs);
        double flops = 2.0 * g.macs(xs, sh[4]);
        long wsFloats = conv.backwardFilterWorkspace(xs, ws, g, yw);
        try (DeviceBuffer x = random(ctx, xs.size(), 1); DeviceBuffer w = random(ctx, ws.size(), 2);
             DeviceBuffer y = ctx.allocate(ys.size()); DeviceBuffer dy = random(ctx, ys.size(), 3);
             DeviceBuffer dx = ctx.allocate(xs.size()); DeviceBuffer dw = ctx.allocate(ws.size());
             DeviceBuffer work = ctx.allocate(wsFloats)) {
            double f = median(timer, stream, iterations, warmup,
                    st -> conv.forward(x, xs, w, ws, null, g, y, yw, st));
            double d = median(timer, stream, iterations, warmup,
                    st -> conv.backwardData(dy, w, ws, g, dx, xs, xw, st));
            double k = median(timer, stream, iterations, warmup,
                    st -> conv.backwardFilter(x, xs, dy, g, dw, ws, yw, false, work, st));
            String name = sh[0] + "," + sh[1] + "," + sh[2] + "," + sh[3] + "/" + sh[4] + "/" + sh[5];
            System.err.printf(Locale.ROOT, "%-22s %10.3f %10.3f %10.3f %10.1f %10.1f %10.1f%n", name, f, d, k,
                    flops / f / 1e6, flops / d / 1e6, flops / k / 1e6);
            // The opt-in TF32 tensor-core variant (forward and backward-data), against cuDNN with TF32 on.
            double ft = median(timer, stream, iterations, warmup,
                    st -> tf32.forward(x, xs, w, ws, null, g, y, yw, st));
            double dt = median(timer, stream, iterations, warmup,
                    st -> tf32.backwardData(dy, w, ws, g, dx, xs, xw, st));
            System.err.printf(Locale.ROOT, "  tf32 %s: fwd %.3f ms %.1f GF/s, bwd-data %.3f ms %.1f GF/s%n",
                    ConvLaunch.TF32_VARIANTS.get(0), ft, flops / ft / 1e6, dt, flops / dt / 1e6);
            // The custom kernels' tile per pass (chosen on the first, warm-up call: measured, heuristic or forced).
            StringBuilder tiles = new StringBuilder();
            for (ConvProblem p : List.of(new ConvProblem(ConvPass.FORWARD, xs, ws, g, yw, false, false),
                    new ConvProblem(ConvPass.BACKWARD_DATA, xs, ws, g, xw, false, false),
                    new ConvProblem(ConvPass.BACKWARD_FILTER, xs, ws, g, yw, false, false))) {
                TileSelector.Choice c = conv.tileChoices().get(p);
                String what = c != null ? c.describe() : "forced by " + conv.tilePolicy().source();
                System.err.println("  tile " + p.pass().label() + ": " + what);
                tiles.append(tiles.length() > 0 ? "," : "").append(json(p.pass().label())).append(':').append(json(what));
            }
            // One call per pass through the selector: its trials time every usable engine on this problem.
            engines.forward(x, xs, w, ws, null, g, y, yw, stream);
            engines.backwardData(dy, w, ws, g, dx, xs, xw, stream);
            engines.backwardFilter(x, xs, dy, g, dw, ws, yw, false, stream);
            stream.synchronize();
            StringBuilder sel = new StringBuilder();
            for (ConvProblem p : List.of(new ConvProblem(ConvPass.FORWARD, xs, ws, g, yw, false, false),
                    new ConvProblem(ConvPass.BACKWARD_DATA, xs, ws, g, xw, false, false),
                    new ConvProblem(ConvPass.BACKWARD_FILTER, xs, ws, g, yw, false, false))) {
                EngineSelector.Choice c = engines.choices().get(p);
                System.err.println("  selected " + p.pass().label() + ": " + c.describe());
                sel.append(sel.length() > 0 ? "," : "").append(json(p.pass().label())).append(":{\"engine\":")
                        .append(json(c.engine())).append(",\"trials\":").append(json(c.describe())).append('}');
            }
            return String.format(Locale.ROOT, "{\"n\":%d,\"c\":%d,\"h\":%d,\"w\":%d,\"k\":%d,\"r\":%d,\"fwd_ms\":%.6g,"
                    + "\"bwd_data_ms\":%.6g,\"bwd_filter_ms\":%.6g,\"fwd_gflops\":%.6g,\"bwd_data_gflops\":%.6g,"
                    + "\"bwd_filter_gflops\":%.6g,\"fwd_tf32_ms\":%.6g,\"bwd_data_tf32_ms\":%.6g,"
                    + "\"fwd_tf32_gflops\":%.6g,\"bwd_data_tf32_gflops\":%.6g,\"tiles\":{%s},\"selection\":{%s}}", sh[0],
                    sh[1], sh[2], sh[3], sh[4], sh[5], f, d, k, flops / f / 1e6, flops / d / 1e6, flops / k / 1e6, ft, dt,
                    flops / ft / 1e6, flops / dt / 1e6, tiles, sel);
        }
    }

    /** Packs/unpacks the interior box (1-element border off H and W) of {@code dims} vs cuMemcpyDtoD of as many bytes. */
    private static String packCase(CudaContext ctx, CudaConv conv, CudaStream stream, CudaTimer timer, int[] dims,
            int iterations, int warmup) {
        int[] lo = {0, 0, 1, 1};
        int[] ext = {dims[0], dims[1], dims[2] - 2, dims[3] - 2};
        long count = (long) ext[0] * ext[1] * ext[2] * ext[3];
        long total = (long) dims[0] * dims[1] * dims[2] * dims[3];
        try (DeviceBuffer t = random(ctx, total, 4); DeviceBuffer buf = ctx.allocate(count);
             DeviceBuffer copy = ctx.allocate(count)) {
            double pack = median(timer, stream, iterations, warmup, st -> conv.pack(t, dims, lo, ext, buf, st));
            double unpack = median(timer, stream, iterations, warmup,
                    st -> conv.unpack(buf, t, dims, lo, ext, false, st));
            double unpackAcc = median(timer, stream, iterations, warmup,
                    st -> conv.unpack(buf, t, dims, lo, ext, true, st));
            double d2d = median(timer, stream, iterations, warmup, st -> CudaCheck.check(
                    cuMemcpyDtoDAsync(copy.pointer(), buf.pointer(), count * Sizeof.FLOAT, st.handle()), "cuMemcpyDtoDAsync"));
            double bytes = 2.0 * count * Sizeof.FLOAT;
            System.err.printf(Locale.ROOT, "pack %.1f GB/s, unpack %.1f GB/s, unpack+acc %.1f GB/s (3 accesses), "
                    + "D2D copy %.1f GB/s%n", bytes / pack / 1e6, bytes / unpack / 1e6, 1.5 * bytes / unpackAcc / 1e6,
                    bytes / d2d / 1e6);
            String box = ext[0] + "x" + ext[1] + "x" + ext[2] + "x" + ext[3] + " of " + dims[0] + "x" + dims[1] + "x"
                    + dims[2] + "x" + dims[3];
            return String.format(Locale.ROOT, "{\"box\":\"%s\",\"pack_gbps\":%.6g,"
                    + "\"unpack_gbps\":%.6g,\"unpack_accumulate_gbps\":%.6g,\"d2d_copy_gbps\":%.6g,"
                    + "\"pack_vs_copy\":%.6g,\"unpack_vs_copy\":%.6g}", box, bytes / pack / 1e6, bytes / unpack / 1e6,
                    1.5 * bytes / unpackAcc / 1e6, bytes / d2d / 1e6, d2d / pack, d2d / unpack);
        }
    }

    private static double median(CudaTimer timer, CudaStream stream, int iterations, int warmup,
            Consumer<CudaStream> op) {
        for (int i = 0; i < warmup; i++) {
            op.accept(stream);
        }
        stream.synchronize();
        double[] t = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            timer.start(stream);
            op.accept(stream);
            t[i] = timer.stopMillis(stream);
        }
        Arrays.sort(t);
        return t[iterations / 2];
    }

    /** A JSON string literal. */
    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : (s == null ? "" : s).toCharArray()) {
            switch (ch) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (ch < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
                    } else {
                        b.append(ch);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static DeviceBuffer random(CudaContext ctx, long floats, long seed) {
        DeviceBuffer b = ctx.allocate(floats);
        Random rnd = new Random(seed);
        float[] chunk = new float[1 << 20];
        for (long off = 0; off < floats; off += chunk.length) {
            int n = (int) Math.min(chunk.length, floats - off);
            for (int i = 0; i < n; i++) {
                chunk[i] = rnd.nextFloat() * 2 - 1;
            }
            b.copyFromHost(chunk, 0, off, n);
        }
        return b;
    }
}
