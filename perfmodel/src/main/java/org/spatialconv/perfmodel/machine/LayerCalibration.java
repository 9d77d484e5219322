package org.spatialconv.perfmodel.machine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.Activations;
import org.spatialconv.conv.layers.BatchNorm;
import org.spatialconv.conv.layers.Elementwise;
import org.spatialconv.conv.layers.Losses;
import org.spatialconv.conv.layers.Pooling;
import org.spatialconv.conv.layers.Threads;
import org.spatialconv.conv.layers.Upsample;
import org.spatialconv.decomposition.net.LocalRanks;

/**
 * Measures the engine's own memory-bound layer kernels (the {@code org.spatialconv.conv.layers} code the trainer
 * runs): batch norm, activation, add, concat, max pooling, nearest and bilinear upsampling, the MSE and softmax
 * cross-entropy losses, forward
 * and backward, at a few square sizes. Each result is a rate in bytes/s of the traffic the cost model assigns to
 * the class ({@link LayerClasses#bytes}): total modelled bytes over total measured time across the sizes, so
 * the large tensors that dominate training weigh most. Each timing is the median of
 * {@link Calibration#REPEATS} to {@link Calibration#MAX_RUNS} runs (about {@link Calibration#TIMED_NANOS} ns of
 * them) after a warm-up of at least {@link Calibration#WARM_UP_NANOS} ns.
 */
public final class LayerCalibration {
    /** Channels of the timed tensors. */
    public static final int CHANNELS = 16;
    /** Classes of the timed softmax cross-entropy (a two-class segmentation head, as meshnet's). */
    public static final int CE_CLASSES = 2;
    /** Side of the batch norm that {@link #syncSeconds} runs between exchanges. */
    public static final int SYNC_SIDE = 256;
    /** Rounds of work and exchange per timing in {@link #syncSeconds}. */
    public static final int SYNC_ROUNDS = 20;
    /** Batch-norm forwards per round in {@link #syncSeconds}. */
    public static final int SYNC_WORK = 6;
    private static final java.time.Duration SYNC_TIMEOUT = java.time.Duration.ofMinutes(5);
    /** Default square output sides timed per class. */
    public static final List<Integer> DEFAULT_SIDES = List.of(64, 128, 256, 512);
    private static final float SLOPE = 0.01f;

    private LayerCalibration() {
    }

    /** One timed kernel: its pass times (span and each rank's own), and element counts. */
    private record Sample(double fwdS, double bwdS, double fwdOwnS, double bwdOwnS, double in, double out,
            int inputs) {
    }

    /** Rates of one rank alone; see {@link #measure(Threads, int, List, Consumer)}. */
    public static Map<String, Double> measure(Threads threads, List<Integer> sides, Consumer<String> progress) {
        return measure(threads, 1, sides, progress);
    }

    /**
     * Rates keyed by {@link LayerClasses#key}, of one rank while {@code ranks} ranks run the same kernels at once
     * (each on its own tensors, {@code threads} each; first start to last end); {@code add.bwd} is not measured
     * (the engine's add backward hands dy to each input without touching memory) and stays priced by bandwidth.
     */
    public static Map<String, Double> measure(Threads threads, int ranks, List<Integer> sides,
            Consumer<String> progress) {
        Map<String, double[]> sums = new LinkedHashMap<>(); // key -> {bytes, seconds}
        for (int side : sides) {
            if (side < 2 || side % 2 != 0) {
                throw new IllegalArgumentException("layer calibration sides must be even and >= 2, got " + side);
            }
            Map<String, Sample> one = new LinkedHashMap<>();
            one.put("batch_norm", sample(ranks, () -> batchNorm(threads, side)));
            one.put("activation", sample(ranks, () -> activation(threads, side)));
            one.put("add", sample(ranks, () -> add(side)));
            one.put("concat", sample(ranks, () -> concat(side)));
            one.put("pool", sample(ranks, () -> pool(threads, side)));
            one.put("upsample_nearest", sample(ranks, () -> upsample(threads, side, Upsample.Mode.NEAREST)));
            one.put("upsample_bilinear", sample(ranks, () -> upsample(threads, side, Upsample.Mode.BILINEAR)));
            one.put("loss", sample(ranks, () -> mse(side)));
            one.put("loss_ce", sample(ranks, () -> softmaxCrossEntropy(side)));
            one.put(LayerClasses.ALLOC, sample(ranks, () -> alloc(side)));
            for (Map.Entry<String, Sample> e : one.entrySet()) {
                Sample s = e.getValue();
                String cls = e.getKey();
                double fb = LayerClasses.bytes(cls, s.inputs(), "fwd", s.in(), s.out());
                accumulate(sums, LayerClasses.key(cls, "fwd"), fb, s.fwdS());
                if (ranks > 1) {
                    accumulate(sums, LayerClasses.ownKey(cls, "fwd"), fb, s.fwdOwnS());
                }
                if (!Double.isNaN(s.bwdS())) {
                    double bb = LayerClasses.bytes(cls, s.inputs(), "bwd", s.in(), s.out());
                    accumulate(sums, LayerClasses.key(cls, "bwd"), bb, s.bwdS());
                    if (ranks > 1) {
                        accumulate(sums, LayerClasses.ownKey(cls, "bwd"), bb, s.bwdOwnS());
                    }
                }
            }
            progress.accept(String.format("layers at %dx%dx%d: batch norm fwd %.2f ms", CHANNELS, side, side,
                    one.get("batch_norm").fwdS() * 1e3));
        }
        Map<String, Double> rates = new LinkedHashMap<>();
        sums.forEach((k, v) -> rates.put(k, v[0] / Math.max(v[1], 1e-9)));
        return rates;
    }

    /**
     * What an exchange costs the slowest rank while {@code ranks} ranks are busy at once, seconds: every rank runs
     * {@link #SYNC_ROUNDS} rounds of {@link #SYNC_WORK} batch-norm forwards ({@link #CHANNELS} channels at
     * {@link #SYNC_SIDE}², together as long as a convolution of a training step, so that the ranks drift apart
     * between exchanges as they do in training) with and without an allreduce after each round; the difference of
     * the span per round, from the first rank's start to the last rank's end (median of
     * {@link Calibration#REPEATS}, clipped at 0). With more ranks than cores, a rank that arrives first waits until
     * the others have been scheduled, and the last one waits for a core after the release. 0 for one rank.
     */
    public static double syncSeconds(Threads threads, int ranks) {
        if (ranks < 2) {
            return 0;
        }
        List<Runnable> work = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            Runnable bn = batchNorm(threads, SYNC_SIDE).fwd();
            work.add(() -> {
                for (int i = 0; i < SYNC_WORK; i++) {
                    bn.run();
                }
            });
        }
        return Math.max(0, perRound(work, true) - perRound(work, false));
    }

    /** Median over repeats of the span per round of the ranks' work, with or without an allreduce after it. */
    private static double perRound(List<Runnable> work, boolean sync) {
        int k = work.size();
        double[] spans = new double[Calibration.REPEATS];
        for (int rep = 0; rep <= Calibration.REPEATS; rep++) {
            long[] start = new long[k];
            long[] end = new long[k];
            LocalRanks.run(k, SYNC_TIMEOUT, ex -> {
                double[] stats = new double[2 * CHANNELS];
                ex.allreduce(stats); // start together
                start[ex.rank()] = System.nanoTime();
                for (int i = 0; i < SYNC_ROUNDS; i++) {
                    work.get(ex.rank()).run();
                    if (sync) {
                        ex.allreduce(stats);
                    }
                }
                end[ex.rank()] = System.nanoTime();
                return null;
            });
            if (rep > 0) { // the first is a warm-up
                long first = java.util.Arrays.stream(start).min().orElseThrow();
                long last = java.util.Arrays.stream(end).max().orElseThrow();
                spans[rep - 1] = (last - first) / 1e9 / SYNC_ROUNDS;
            }
        }
        return Calibration.median(spans);
    }

    /**
     * One rank's kernels of a class on tensors of its own: the forward and backward calls (backward null if not
     * measured; a loss computes value and gradient in one call, whose time is booked half to each pass) and the
     * element counts the traffic model needs.
     */
    private record Kernels(Runnable fwd, Runnable bwd, double in, double out, int inputs, boolean split) {
    }

    /** Times a class's kernels with {@code ranks} ranks at once, each on kernels of its own from {@code make}. */
    private static Sample sample(int ranks, Supplier<Kernels> make) {
        List<Kernels> ks = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            ks.add(make.get());
        }
        Kernels k = ks.get(0);
        double[] f = Calibration.togetherSpanAndOwn(ks.stream().map(Kernels::fwd).toList());
        if (k.split()) {
            return new Sample(f[0] / 2, f[0] / 2, f[1] / 2, f[1] / 2, k.in(), k.out(), k.inputs());
        }
        double[] b = k.bwd() == null ? new double[] {Double.NaN, Double.NaN}
                : Calibration.togetherSpanAndOwn(ks.stream().map(Kernels::bwd).toList());
        return new Sample(f[0], b[0], f[1], b[1], k.in(), k.out(), k.inputs());
    }

    private static void accumulate(Map<String, double[]> sums, String key, double bytes, double s) {
        double[] a = sums.computeIfAbsent(key, k -> new double[2]);
        a[0] += bytes;
        a[1] += s;
    }

    private static Kernels batchNorm(Threads t, int side) {
        Tensor x = random(shape(CHANNELS, side), 1);
        Tensor dy = random(x.shape(), 2);
        Tensor gamma = random(Shape.of(CHANNELS), 3);
        Tensor beta = random(Shape.of(CHANNELS), 4);
        BatchNorm.Stats[] st = {BatchNorm.stats(BatchNorm.partialSums(t, x), 1e-5)};
        double n = x.shape().size();
        return new Kernels(() -> {
            st[0] = BatchNorm.stats(BatchNorm.partialSums(t, x), 1e-5);
            BatchNorm.forward(t, x, st[0], gamma, beta);
        }, () -> {
            double[] sums = BatchNorm.backwardSums(t, dy, x, st[0]);
            BatchNorm.backwardData(t, dy, x, st[0], gamma, sums, true);
        }, n, n, 1, false);
    }

    private static Kernels activation(Threads t, int side) {
        Tensor x = random(shape(CHANNELS, side), 1);
        Tensor dy = random(x.shape(), 2);
        double n = x.shape().size();
        return new Kernels(() -> Activations.forward(t, x, SLOPE), () -> Activations.backward(t, dy, x, SLOPE), n,
                n, 1, false);
    }

    private static Kernels add(int side) {
        Tensor a = random(shape(CHANNELS, side), 1);
        Tensor b = random(a.shape(), 2);
        double n = a.shape().size();
        return new Kernels(() -> Elementwise.add(a, b), null, 2 * n, n, 2, false);
    }

    private static Kernels concat(int side) {
        Tensor a = random(shape(CHANNELS / 2, side), 1);
        Tensor b = random(a.shape(), 2);
        Tensor dy = random(shape(CHANNELS, side), 3);
        double n = dy.shape().size();
        return new Kernels(() -> Elementwise.concat(List.of(a, b)),
                () -> Elementwise.split(dy, CHANNELS / 2, CHANNELS / 2), n, n, 2, false);
    }

    private static Kernels pool(Threads t, int side) {
        ConvGeometry g = ConvGeometry.square(2, 2, 0, 1, 1);
        Tensor x = random(shape(CHANNELS, side), 1);
        Shape ys = Pooling.outputShape(g, x.shape());
        int[] argmax = new int[ys.size()];
        Tensor dy = random(ys, 2);
        return new Kernels(() -> Pooling.forward(t, Pooling.Mode.MAX, g, x, argmax),
                () -> Pooling.backward(t, Pooling.Mode.MAX, g, dy, x.shape(), argmax), x.shape().size(),
                ys.size(), 1, false);
    }

    private static Kernels upsample(Threads t, int side, Upsample.Mode mode) {
        Upsample u = new Upsample(mode, 2, 2);
        Tensor x = random(shape(CHANNELS, side / 2), 1);
        Shape ys = u.outputShape(x.shape());
        Tensor dy = random(ys, 2);
        return new Kernels(() -> u.forward(t, x), () -> u.backward(t, dy, x.shape()), x.shape().size(), ys.size(), 1,
                false);
    }

    /** The MSE loss computes value and gradient in one call; half of its time is booked to each pass. */
    private static Kernels mse(int side) {
        Tensor p = random(shape(CHANNELS, side), 1);
        Tensor target = random(p.shape(), 2);
        Tensor grad = Tensor.zeros(p.shape());
        return new Kernels(() -> Losses.mse(p, target, p.shape().size(), grad), null, p.shape().size(), 0, 1, true);
    }

    /**
     * Softmax cross-entropy over {@link #CE_CLASSES} classes (a segmentation head's), value and gradient in one
     * call, half booked to each pass.
     */
    private static Kernels softmaxCrossEntropy(int side) {
        Tensor logits = random(shape(CE_CLASSES, side), 1);
        Tensor labels = Tensor.zeros(shape(1, side));
        float[] l = labels.data();
        for (int i = 0; i < l.length; i++) {
            l[i] = logits.data()[i] > 0 ? 1 : 0;
        }
        Tensor grad = Tensor.zeros(logits.shape());
        long count = (long) side * side;
        return new Kernels(() -> Losses.softmaxCrossEntropy(logits, labels, count, grad), null,
                logits.shape().size(), 0, 1, true);
    }

    /** A fresh zeroed tensor, kept so that the allocation is not optimised away. */
    private static Kernels alloc(int side) {
        Shape s = shape(CHANNELS, side);
        Tensor[] keep = new Tensor[1];
        return new Kernels(() -> keep[0] = Tensor.zeros(s), null, 0, s.size(), 1, false);
    }

    private static Shape shape(int c, int side) {
        return Shape.nchw(1, c, side, side);
    }

    /**
     * Zero-mean data that varies smoothly over the plane, like the normalised feature maps of a trained image
     * network: signs come in runs, so the kernels' data-dependent branches (activation, max pooling) are as
     * predictable as in training. Independent random signs would make them several times slower than the engine
     * runs them on real activations.
     */
    private static Tensor random(Shape s, long seed) {
        Tensor t = Tensor.zeros(s);
        float[] d = t.data();
        Random rnd = new Random(seed);
        boolean image = s.rank() == 4;
        int w = image ? s.w() : d.length;
        int plane = image ? s.h() * w : d.length;
        for (int i = 0; i < d.length; i++) {
            int p = i % plane;
            int ch = i / plane;
            d[i] = (float) (Math.sin((p / w) * 0.11 + ch) * Math.cos((p % w) * 0.07 - ch)
                    + 0.05 * (rnd.nextFloat() - 0.5f));
        }
        return t;
    }
}
