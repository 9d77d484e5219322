package org.spatialconv.perfmodel.machine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.decomposition.comm.jvm.InJvmWorld;
import org.spatialconv.decomposition.net.LocalRanks;
import org.spatialconv.perfmodel.net.ConvSpec;
import org.spatialconv.perfmodel.net.DeconvSpec;
import org.spatialconv.perfmodel.net.Layer;
import org.spatialconv.perfmodel.net.NetworkSpec;
import org.spatialconv.perfmodel.net.TensorShape;

/**
 * Measures the machine at hand: memory bandwidth (array copies), convolution timings of every distinct conv
 * configuration of the given networks over a grid of local output sizes (through a {@link Backend}), and the
 * α/β of exchanges between in-JVM ranks (ping-pong). Each timing is the median of {@link #REPEATS} runs after
 * a warm-up, so one descheduled run does not skew the table. Bandwidth and conv timings can be taken with
 * several ranks at once ({@link #together}): every rank runs its own copy of the same work on its own thread,
 * as the ranks of a spatially split layer do, and a run lasts from the first rank's start to the last rank's end.
 */
public final class Calibration {
    /** Fewest timed runs per measurement (the median is kept). */
    public static final int REPEATS = 5;
    /** Shortest warm-up of a measured kernel, nanoseconds. */
    public static final long WARM_UP_NANOS = 50_000_000L;
    /** Timed runs of short work are added until they take about this long in all, nanoseconds. */
    public static final double TIMED_NANOS = 100e6;
    /** Most timed runs per measurement. */
    public static final int MAX_RUNS = 101;
    private static final int COPY_FLOATS = 16 << 20;
    private static final int PING_ROUNDS = 200;
    private static final int BIG_FLOATS = 1 << 20;
    /** Longest one measurement with several ranks at once may take. */
    private static final Duration TOGETHER_TIMEOUT = Duration.ofMinutes(10);

    private Calibration() {
    }

    /** One conv configuration to time: a conv layer's spec and its input channels. */
    public record ConvConfig(ConvSpec spec, int inChannels) {
    }

    /**
     * Distinct conv configurations of the given networks (deduplicated by the table key); a transposed
     * convolution contributes the convolution it is the transpose of ({@link DeconvSpec#transposed}).
     */
    public static List<ConvConfig> convConfigs(List<NetworkSpec> nets, List<TensorShape> inputs) {
        Map<String, ConvConfig> out = new LinkedHashMap<>();
        for (int i = 0; i < nets.size(); i++) {
            NetworkSpec net = nets.get(i);
            Map<String, TensorShape> shapes = net.inferShapes(inputs.get(i));
            for (Layer l : net.layers()) {
                int in = shapes.get(l.inputs().get(0)).c();
                ConvConfig cfg = l.spec() instanceof ConvSpec c ? new ConvConfig(c, in)
                        : l.spec() instanceof DeconvSpec d ? new ConvConfig(d.transposed(in), d.outChannels()) : null;
                if (cfg != null) {
                    ConvSpec c = cfg.spec();
                    String key = ConvTiming.key("fwd", cfg.inChannels(), c.outChannels(), c.kernel().h(),
                            c.kernel().w(), c.stride().h(), c.dilation().h(), c.groups());
                    out.putIfAbsent(key, cfg);
                }
            }
        }
        return new ArrayList<>(out.values());
    }

    /** Best-of bandwidth of copying a 64 MiB float array (read + write), bytes/s. */
    public static double memoryBandwidth() {
        return memoryBandwidth(1);
    }

    /**
     * Bandwidth of one rank copying a 64 MiB float array (read + write) while {@code ranks} ranks copy their own at
     * once, bytes/s (median run, first start to last end).
     */
    public static double memoryBandwidth(int ranks) {
        List<Runnable> work = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            float[] a = new float[COPY_FLOATS];
            float[] b = new float[COPY_FLOATS];
            Arrays.fill(a, 1f);
            work.add(() -> System.arraycopy(a, 0, b, 0, COPY_FLOATS));
        }
        return 2.0 * COPY_FLOATS * 4 / together(work);
    }

    /**
     * Times fwd, bwd-data and bwd-filter of each configuration at square local outputs of the given sides
     * (one sample) on one backend. Sides whose forward exceeds {@code maxFlops} are skipped (except the smallest),
     * so a calibration stays within minutes. {@code progress} receives a line per measurement.
     */
    public static List<ConvTiming> convTimings(Backend backend, List<ConvConfig> configs, int[] sides,
            double maxFlops, Consumer<String> progress) {
        return convTimings(List.of(backend), configs, sides, maxFlops, progress);
    }

    /**
     * As {@link #convTimings(Backend, List, int[], double, Consumer)} with one rank per backend running at once,
     * each on its own copy of the tensors: first start to last end.
     */
    public static List<ConvTiming> convTimings(List<Backend> backends, List<ConvConfig> configs, int[] sides,
            double maxFlops, Consumer<String> progress) {
        List<ConvTiming> out = new ArrayList<>();
        for (ConvConfig cfg : configs) {
            ConvSpec c = cfg.spec();
            ConvGeometry g = c.geometry();
            for (int si = 0; si < sides.length; si++) {
                int side = sides[si];
                double flops = 2.0 * c.outChannels() * side * side * (cfg.inChannels() / c.groups())
                        * c.kernel().h() * c.kernel().w();
                if (si > 0 && flops > maxFlops) {
                    progress.accept("skip " + describe(cfg) + " at " + side + "x" + side);
                    continue;
                }
                int ih = inputSize(side, c.kernel().h(), c.stride().h(), c.padLo().h() + c.padHi().h(),
                        c.dilation().h());
                int iw = inputSize(side, c.kernel().w(), c.stride().w(), c.padLo().w() + c.padHi().w(),
                        c.dilation().w());
                Shape xs = Shape.nchw(1, cfg.inChannels(), ih, iw);
                Shape wsh = g.weightShape(cfg.inChannels(), c.outChannels());
                Shape ys = g.outputShape(xs, wsh);
                List<Runnable> fw = new ArrayList<>();
                List<Runnable> bdw = new ArrayList<>();
                List<Runnable> bfw = new ArrayList<>();
                for (Backend backend : backends) {
                    Tensor x = random(xs);
                    Tensor w = random(wsh);
                    Tensor y = Tensor.zeros(ys);
                    Tensor dy = random(ys);
                    Tensor dx = Tensor.zeros(xs);
                    Tensor dw = Tensor.zeros(wsh);
                    fw.add(() -> backend.convForward(x, w, null, g, y));
                    bdw.add(() -> backend.convBackwardData(dy, w, g, dx));
                    bfw.add(() -> backend.convBackwardFilter(x, dy, g, dw));
                }
                double fwd = together(fw);
                double bd = together(bdw);
                double bf = together(bfw);
                String[] passes = {"fwd", "bwd_data", "bwd_filter"};
                double[] secs = {fwd, bd, bf};
                for (int p = 0; p < 3; p++) {
                    out.add(new ConvTiming(passes[p], cfg.inChannels(), c.outChannels(), c.kernel().h(),
                            c.kernel().w(), c.stride().h(), c.dilation().h(), c.groups(), 1, ys.h(), ys.w(),
                            secs[p]));
                }
                progress.accept(describe(cfg) + " at " + ys.h() + "x" + ys.w() + String.format(
                        ": fwd %.2f ms", fwd * 1e3));
            }
        }
        return out;
    }

    /** Median achieved rate (FLOP/s) of the forward timings. */
    public static double achievedRate(List<ConvTiming> timings) {
        List<Double> rates = new ArrayList<>();
        for (ConvTiming t : timings) {
            if (t.pass().equals("fwd")) {
                double flops = 2.0 * t.n() * t.k() * t.h() * t.w() * (t.c() / t.groups()) * t.kh() * t.kw();
                rates.add(flops / t.seconds());
            }
        }
        if (rates.isEmpty()) {
            return Double.NaN;
        }
        rates.sort(Double::compare);
        return rates.get(rates.size() / 2);
    }

    /**
     * α and β between two in-JVM ranks: half the round-trip time of a 1-float ping-pong, and the extra time per
     * byte of a 4 MiB message. Returns {alpha seconds, bandwidth bytes/s}.
     */
    public static double[] inJvmLink() {
        List<double[]> r = InJvmWorld.launch(2, Duration.ofMinutes(2), comm -> {
            float[] small = new float[1];
            float[] big = new float[BIG_FLOATS];
            int peer = 1 - comm.rank();
            double bestSmall = Double.MAX_VALUE;
            double bestBig = Double.MAX_VALUE;
            for (int round = 0; round < PING_ROUNDS; round++) {
                long t0 = System.nanoTime();
                pingPong(comm, small, peer);
                bestSmall = Math.min(bestSmall, (System.nanoTime() - t0) / 2e9);
            }
            for (int round = 0; round < REPEATS + 1; round++) {
                long t0 = System.nanoTime();
                pingPong(comm, big, peer);
                bestBig = Math.min(bestBig, (System.nanoTime() - t0) / 2e9);
            }
            return new double[] {bestSmall, bestBig};
        });
        double alpha = r.get(0)[0];
        double perByte = Math.max(1e-15, (r.get(0)[1] - alpha) / (BIG_FLOATS * 4.0));
        return new double[] {alpha, 1 / perByte};
    }

    private static void pingPong(org.spatialconv.decomposition.comm.Communicator comm, float[] buf, int peer) {
        if (comm.rank() == 0) {
            comm.send(buf, 0, buf.length, peer, 7);
            comm.recv(buf, 0, buf.length, peer, 8);
        } else {
            comm.recv(buf, 0, buf.length, peer, 7);
            comm.send(buf, 0, buf.length, peer, 8);
        }
    }

    private static String describe(ConvConfig cfg) {
        ConvSpec c = cfg.spec();
        return "conv " + cfg.inChannels() + "->" + c.outChannels() + " " + c.kernel() + "/" + c.stride()
                + (c.dilation().h() > 1 ? " dil " + c.dilation() : "");
    }

    private static int inputSize(int out, int k, int stride, int pad, int dil) {
        return Math.max(1, (out - 1) * stride + dil * (k - 1) + 1 - pad);
    }

    private static Tensor random(Shape s) {
        Tensor t = Tensor.zeros(s);
        float[] d = t.data();
        java.util.Random rnd = new java.util.Random(42);
        for (int i = 0; i < d.length; i++) {
            d[i] = rnd.nextFloat() - 0.5f;
        }
        return t;
    }

    /**
     * Runs each rank's work at once, one in-JVM rank (thread) each, started together for every run (as the ranks
     * of a layer start it after their last exchange): a warm-up (rank 0's work alone, repeated for at least
     * {@link #WARM_UP_NANOS} so that the JIT has compiled a kernel of a few microseconds too, then one run
     * together), then at least {@link #REPEATS} timed runs, more for short work (enough for about
     * {@link #TIMED_NANOS} in all, at most {@link #MAX_RUNS}: a memory-bound kernel of a few milliseconds varies by
     * 2× from run to run). Returns the median run's span, from the first rank's start to the last rank's end,
     * seconds: the median, not the minimum, because training meets the typical run, and it still ignores a
     * descheduled run.
     */
    static double together(List<Runnable> work) {
        return togetherSpanAndOwn(work)[0];
    }

    /**
     * As {@link #together}, and also each rank's own time: {@code {median span, median over runs of the ranks'
     * mean own time}}, where a rank's own time runs from when it starts its work (once the scheduler gives it a
     * core) to its end. With more ranks than cores the two differ: a short kernel runs at a core's full rate once
     * its rank is scheduled (own time), while the span also holds the wait for the ranks scheduled later.
     */
    static double[] togetherSpanAndOwn(List<Runnable> work) {
        int k = work.size();
        double perRun = warmUp(work.get(0));
        int runs = runs(perRun);
        double[] spans = new double[runs];
        if (k == 1) {
            Runnable r = work.get(0);
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                r.run();
                spans[i] = (System.nanoTime() - t0) / 1e9;
            }
            double m = median(spans);
            return new double[] {m, m};
        }
        long[][] start = new long[runs + 1][k];
        long[][] end = new long[runs + 1][k];
        LocalRanks.run(k, TOGETHER_TIMEOUT, ex -> {
            double[] mine = new double[1];
            for (int i = 0; i <= runs; i++) {
                ex.allreduce(mine); // every rank starts the run together
                start[i][ex.rank()] = System.nanoTime();
                work.get(ex.rank()).run();
                end[i][ex.rank()] = System.nanoTime();
            }
            return null;
        });
        // a run lasts from the first rank's start to the last rank's end: with more ranks than cores, a rank that
        // is only scheduled after the others have finished waited that long too (in training, its previous layer
        // would have held it)
        double[] own = new double[runs];
        for (int i = 1; i <= runs; i++) {
            long first = Arrays.stream(start[i]).min().orElseThrow();
            long last = Arrays.stream(end[i]).max().orElseThrow();
            spans[i - 1] = (last - first) / 1e9;
            for (int r = 0; r < k; r++) {
                own[i - 1] += (end[i][r] - start[i][r]) / 1e9 / k;
            }
        }
        return new double[] {median(spans), median(own)};
    }

    /** Timed runs for work of {@code perRunNanos}: {@link #REPEATS} to {@link #MAX_RUNS}, odd. */
    static int runs(double perRunNanos) {
        double want = TIMED_NANOS / Math.max(perRunNanos, 1);
        int n = (int) Math.max(REPEATS, Math.min(MAX_RUNS, want));
        return n % 2 == 0 ? n + 1 : n;
    }

    /**
     * Runs {@code r} at least twice and until {@link #WARM_UP_NANOS} have passed (at most 100000 times); returns
     * the mean time of the runs after the first, nanoseconds.
     */
    private static double warmUp(Runnable r) {
        r.run();
        long t0 = System.nanoTime();
        int runs = 0;
        long now;
        do {
            r.run();
            runs++;
            now = System.nanoTime();
        } while (now - t0 < WARM_UP_NANOS && runs < 100_000);
        return (double) (now - t0) / runs;
    }

    /**
     * The median: the middle value, or the mean of the two middle values for an even count; {@code v} is not
     * changed. The one median of the project's measurements (calibrate, validate, bench, the JMH pass timer).
     */
    public static double median(double[] v) {
        if (v.length == 0) {
            throw new IllegalArgumentException("median of no values");
        }
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }

    /** Distinct sides, sorted. */
    public static int[] sides(List<Integer> list) {
        Set<Integer> s = new LinkedHashSet<>(list);
        return s.stream().mapToInt(Integer::intValue).sorted().toArray();
    }
}
