package org.spatialconv.jmh;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.Backends;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.cpu.CpuBackend;
import org.spatialconv.conv.cpu.CpuConfig;
import org.spatialconv.perfmodel.machine.Calibration;

/**
 * Times the three passes of one convolution layer on a backend and prints one JSON line of medians, for the peer
 * comparison script ({@code jmh/peers/compare-cpu.sh}), which runs PyTorch on the same shape in the same session.
 * JMH ({@link ConvPassBenchmark}) is the rigorous measurement; this is the quick side-by-side one.
 *
 * <p>Usage: {@code ConvPassTimer N,C,H,W,K,R [threads] [warmup] [reps] [backend]}; stride 1, padding (R-1)/2.
 */
public final class ConvPassTimer {
    private ConvPassTimer() {
    }

    /** Entry point; see the class comment for arguments. */
    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: ConvPassTimer N,C,H,W,K,R [threads] [warmup] [reps] [backend]");
            System.exit(2);
        }
        int[] s = Arrays.stream(args[0].split(",")).mapToInt(Integer::parseInt).toArray();
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int reps = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        String name = args.length > 4 ? args[4] : "cpu";
        ConvGeometry g = ConvGeometry.square(s[5], 1, (s[5] - 1) / 2, 1, 1);
        Shape xs = Shape.nchw(s[0], s[1], s[2], s[3]);
        Shape ws = g.weightShape(s[1], s[4]);
        Shape ys = g.outputShape(xs, ws);
        Random rnd = new Random(42);
        Tensor x = random(rnd, xs);
        Tensor w = random(rnd, ws);
        Tensor dy = random(rnd, ys);
        Tensor y = Tensor.zeros(ys);
        Tensor dx = Tensor.zeros(xs);
        Tensor dw = Tensor.zeros(ws);
        double gflop = 2.0 * g.macs(xs, s[4]) / 1e9;
        List<Double> fwd = new ArrayList<>();
        List<Double> bd = new ArrayList<>();
        List<Double> bf = new ArrayList<>();
        List<Double> bwd = new ArrayList<>();
        // CPU time of the calling thread: with 1 thread it is all the work, and far less noisy than wall time on
        // a shared machine (used for tuning, not for the comparison).
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        double[] cpuMs = new double[3];
        try (Backend b = create(name, threads)) {
            for (int i = 0; i < warmup + reps; i++) {
                long c0 = cpu.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                b.convForward(x, w, null, g, y);
                long t1 = System.nanoTime();
                long c1 = cpu.getCurrentThreadCpuTime();
                b.convBackwardData(dy, w, g, dx);
                long t2 = System.nanoTime();
                long c2 = cpu.getCurrentThreadCpuTime();
                b.convBackwardFilter(x, dy, g, dw);
                long t3 = System.nanoTime();
                long c3 = cpu.getCurrentThreadCpuTime();
                if (i >= warmup) {
                    fwd.add((t1 - t0) / 1e6);
                    bd.add((t2 - t1) / 1e6);
                    bf.add((t3 - t2) / 1e6);
                    bwd.add((t3 - t1) / 1e6);
                    cpuMs[0] += (c1 - c0) / 1e6 / reps;
                    cpuMs[1] += (c2 - c1) / 1e6 / reps;
                    cpuMs[2] += (c3 - c2) / 1e6 / reps;
                }
            }
            String describe = b.toString();
            try {
                describe = (String) b.getClass().getMethod("describe").invoke(b);
            } catch (ReflectiveOperationException e) {
                // Backends without describe() are reported by class name.
            }
            System.out.println(String.format(Locale.ROOT,
                    "{\"shape\":\"%s\",\"fwd_ms\":%.3f,\"bwd_data_ms\":%.3f,\"bwd_filter_ms\":%.3f,\"bwd_ms\":%.3f,"
                            + "\"gflop_per_pass\":%.4f,\"threads\":%d,\"caller_cpu_ms\":[%.1f,%.1f,%.1f],\"backend\":\"%s\"}",
                    args[0], median(fwd), median(bd), median(bf), median(bwd), gflop, threads, cpuMs[0], cpuMs[1],
                    cpuMs[2], describe));
        }
    }

    /**
     * The named backend; for {@code cpu}, the system properties {@code scratchFloats} and {@code bandsPerThread}
     * override the tile budget, for tuning experiments.
     */
    private static Backend create(String name, int threads) {
        if (name.equals(CpuBackend.NAME) && (System.getProperty("scratchFloats") != null
                || System.getProperty("bandsPerThread") != null)) {
            CpuConfig d = CpuConfig.defaults(threads);
            return new CpuBackend(new CpuConfig(threads,
                    Integer.getInteger("scratchFloats", d.scratchFloats()),
                    Integer.getInteger("bandsPerThread", d.bandsPerThread())));
        }
        return Backends.create(name, BackendOptions.threads(threads));
    }

    private static Tensor random(Random rnd, Shape s) {
        float[] d = new float[s.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = rnd.nextFloat() - 0.5f;
        }
        return new Tensor(s, d);
    }

    private static double median(List<Double> v) {
        return Calibration.median(v.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
