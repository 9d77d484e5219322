package org.spatialconv.decomposition.device;

import java.io.IOException;
import java.util.Locale;
import java.util.Random;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.cuda.BenchmarkArgs;
import org.spatialconv.conv.cuda.CudaGpu;
import org.spatialconv.decomposition.device.DeviceConvRunner.Transport;
import org.spatialconv.decomposition.grid.ProcessGrid;
import org.spatialconv.decomposition.layer.ConvPlan;
import org.spatialconv.decomposition.layer.OverlapMode;

/**
 * Distributed convolution on one GPU: the median wall time of a synchronised training step of one 3x3 layer
 * (forward, backward-data, backward-filter with bias and its allreduce) on 1 rank and on 4 ranks sharing GPU 0,
 * for both transports and with and without overlap. Four ranks on one GPU cannot be faster than one (they share
 * the device); the numbers show what the decomposition costs, which the overlap is there to hide.
 *
 * <p>Usage: {@code DeviceConvBenchmark [--json FILE] [--iterations I] [--warmup W] [--device D]
 * [--shape N,C,H,W,K,R]...}; all ranks share GPU {@code D}.
 */
public final class DeviceConvBenchmark {
    private static final int[][] DEFAULT_SHAPES = {{1, 16, 1024, 1024, 16, 3}, {1, 64, 512, 512, 64, 3}};

    private record Setup(ProcessGrid grid, Transport transport, OverlapMode overlap) {
    }

    private static final Setup[] SETUPS = {new Setup(ProcessGrid.nhw(1, 1, 1), Transport.PEER_COPY, OverlapMode.OFF),
        new Setup(ProcessGrid.nhw(1, 2, 2), Transport.PEER_COPY, OverlapMode.ON),
        new Setup(ProcessGrid.nhw(1, 2, 2), Transport.PEER_COPY, OverlapMode.OFF),
        new Setup(ProcessGrid.nhw(1, 2, 2), Transport.HOST_STAGED, OverlapMode.ON),
        new Setup(ProcessGrid.nhw(1, 2, 2), Transport.HOST_STAGED, OverlapMode.OFF),
        new Setup(ProcessGrid.nhw(1, 1, 4), Transport.PEER_COPY, OverlapMode.ON)};

    private DeviceConvBenchmark() {
    }

    /** Runs the benchmark; exit code 2 on bad arguments, 3 when no GPU is usable. */
    public static void main(String[] args) throws IOException {
        BenchmarkArgs a = BenchmarkArgs.parseOrExit("device-conv-bench", args, 10, 3, DEFAULT_SHAPES);
        StringBuilder js = new StringBuilder();
        try (CudaGpu gpu = CudaGpu.open(a.device())) {
            js.append(String.format(Locale.ROOT, "{\"engine\":\"spatialconv-cuda-distributed\",\"device\":\"%s\","
                    + "\"iterations\":%d,\"cases\":[", gpu.deviceName(), a.iterations()));
            System.err.printf(Locale.ROOT, "%-22s %-8s %-12s %-4s %12s%n", "N,C,H,W/K/R", "grid", "transport",
                    "ovl", "step ms");
            boolean first = true;
            for (int[] sh : a.shapes()) {
                for (Setup s : SETUPS) {
                    js.append(first ? "" : ",").append(measure(gpu, sh, s, a.iterations(), a.warmup()));
                    first = false;
                }
            }
            js.append("]}");
        }
        a.emit(js.toString());
    }

    private static String measure(CudaGpu gpu, int[] sh, Setup s, int iterations, int warmup) {
        ConvGeometry g = ConvGeometry.square(sh[5], 1, sh[5] / 2, 1, 1);
        Shape xs = Shape.nchw(sh[0], sh[1], sh[2], sh[3]);
        Shape ws = g.weightShape(sh[1], sh[4]);
        ConvPlan plan = new ConvPlan(s.grid(), g, xs, ws);
        Random rnd = new Random(1);
        DeviceConvRunner run = new DeviceConvRunner(plan, r -> gpu.newRank(), s.transport(), s.overlap(),
                java.time.Duration.ofMinutes(5));
        double ms = run.medianStepMillis(random(xs, rnd), random(ws, rnd), random(Shape.of(sh[4]), rnd),
                random(plan.outputShape(), rnd), warmup, iterations);
        String name = sh[0] + "," + sh[1] + "," + sh[2] + "," + sh[3] + "/" + sh[4] + "/" + sh[5];
        System.err.printf(Locale.ROOT, "%-22s %-8s %-12s %-4s %12.3f%n", name, s.grid(), s.transport(), s.overlap(),
                ms);
        return String.format(Locale.ROOT, "{\"shape\":\"%s\",\"grid\":\"%s\",\"transport\":\"%s\",\"overlap\":\"%s\","
                + "\"step_ms\":%.6g}", name, s.grid(), s.transport(), s.overlap(), ms);
    }

    private static Tensor random(Shape s, Random rnd) {
        Tensor t = Tensor.zeros(s);
        for (int i = 0; i < t.data().length; i++) {
            t.data()[i] = rnd.nextFloat() * 2 - 1;
        }
        return t;
    }
}
