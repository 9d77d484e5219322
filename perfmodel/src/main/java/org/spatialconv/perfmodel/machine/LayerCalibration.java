package org.spatialconv.perfmodel.machine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
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

/**
 * Measures the engine's own memory-bound layer kernels (the {@code org.spatialconv.conv.layers} code the trainer
 * runs): batch norm, activation, add, concat, max pooling, nearest and bilinear upsampling and the MSE loss, forward
 * and backward, at a few square sizes. Each result is a rate in bytes/s of the traffic the cost model assigns to
 * the class ({@link LayerClasses#bytes}): total modelled bytes over total measured time across the sizes, so
 * the large tensors that dominate training weigh most. Each timing is the minimum of
 * {@link Calibration#REPEATS} runs after a warm-up.
 */
public final class LayerCalibration {
    /** Channels of the timed tensors. */
    public static final int CHANNELS = 16;
    /** Default square output sides timed per class. */
    public static final List<Integer> DEFAULT_SIDES = List.of(64, 128, 256, 512);
    private static final float SLOPE = 0.01f;

    private LayerCalibration() {
    }

    /** One timed kernel: its pass times and element counts. */
    private record Sample(double fwdS, double bwdS, double in, double out, int inputs) {
    }

    /**
     * Rates keyed by {@link LayerClasses#key}; {@code add.bwd} is not measured (the engine's add backward hands
     * dy to each input without touching memory) and stays priced by bandwidth.
     */
    public static Map<String, Double> measure(Threads threads, List<Integer> sides, Consumer<String> progress) {
        Map<String, double[]> sums = new LinkedHashMap<>(); // key -> {bytes, seconds}
        for (int side : sides) {
            if (side < 2 || side % 2 != 0) {
                throw new IllegalArgumentException("layer calibration sides must be even and >= 2, got " + side);
            }
            Map<String, Sample> one = new LinkedHashMap<>();
            one.put("batch_norm", batchNorm(threads, side));
            one.put("activation", activation(threads, side));
            one.put("add", add(side));
            one.put("concat", concat(side));
            one.put("pool", pool(threads, side));
            one.put("upsample_nearest", upsample(threads, side, Upsample.Mode.NEAREST));
            one.put("upsample_bilinear", upsample(threads, side, Upsample.Mode.BILINEAR));
            one.put("loss", loss(side));
            for (Map.Entry<String, Sample> e : one.entrySet()) {
                Sample s = e.getValue();
                String cls = e.getKey();
                accumulate(sums, cls, "fwd", LayerClasses.bytes(cls, s.inputs(), "fwd", s.in(), s.out()), s.fwdS());
                if (!Double.isNaN(s.bwdS())) {
                    accumulate(sums, cls, "bwd", LayerClasses.bytes(cls, s.inputs(), "bwd", s.in(), s.out()),
                            s.bwdS());
                }
            }
            progress.accept(String.format("layers at %dx%dx%d: batch norm fwd %.2f ms", CHANNELS, side, side,
                    one.get("batch_norm").fwdS() * 1e3));
        }
        Map<String, Double> rates = new LinkedHashMap<>();
        sums.forEach((k, v) -> rates.put(k, v[0] / Math.max(v[1], 1e-9)));
        return rates;
    }

    private static void accumulate(Map<String, double[]> sums, String cls, String pass, double bytes, double s) {
        double[] a = sums.computeIfAbsent(LayerClasses.key(cls, pass), k -> new double[2]);
        a[0] += bytes;
        a[1] += s;
    }

    private static Sample batchNorm(Threads t, int side) {
        Tensor x = random(shape(CHANNELS, side), 1);
        Tensor dy = random(x.shape(), 2);
        Tensor gamma = random(Shape.of(CHANNELS), 3);
        Tensor beta = random(Shape.of(CHANNELS), 4);
        BatchNorm.Stats[] st = {BatchNorm.stats(BatchNorm.partialSums(t, x), 1e-5)};
        double f = time(() -> {
            st[0] = BatchNorm.stats(BatchNorm.partialSums(t, x), 1e-5);
            BatchNorm.forward(t, x, st[0], gamma, beta);
        });
        double b = time(() -> {
            double[] sums = BatchNorm.backwardSums(t, dy, x, st[0]);
            BatchNorm.backwardData(t, dy, x, st[0], gamma, sums, true);
        });
        double n = x.shape().size();
        return new Sample(f, b, n, n, 1);
    }

    private static Sample activation(Threads t, int side) {
        Tensor x = random(shape(CHANNELS, side), 1);
        Tensor dy = random(x.shape(), 2);
        double f = time(() -> Activations.forward(t, x, SLOPE));
        double b = time(() -> Activations.backward(t, dy, x, SLOPE));
        double n = x.shape().size();
        return new Sample(f, b, n, n, 1);
    }

    private static Sample add(int side) {
        Tensor a = random(shape(CHANNELS, side), 1);
        Tensor b = random(a.shape(), 2);
        double f = time(() -> Elementwise.add(a, b));
        double n = a.shape().size();
        return new Sample(f, Double.NaN, 2 * n, n, 2);
    }

    private static Sample concat(int side) {
        Tensor a = random(shape(CHANNELS / 2, side), 1);
        Tensor b = random(a.shape(), 2);
        Tensor dy = random(shape(CHANNELS, side), 3);
        double f = time(() -> Elementwise.concat(List.of(a, b)));
        double bw = time(() -> Elementwise.split(dy, CHANNELS / 2, CHANNELS / 2));
        double n = dy.shape().size();
        return new Sample(f, bw, n, n, 2);
    }

    private static Sample pool(Threads t, int side) {
        ConvGeometry g = ConvGeometry.square(2, 2, 0, 1, 1);
        Tensor x = random(shape(CHANNELS, side), 1);
        Shape ys = Pooling.outputShape(g, x.shape());
        int[] argmax = new int[ys.size()];
        Tensor dy = random(ys, 2);
        double f = time(() -> Pooling.forward(t, Pooling.Mode.MAX, g, x, argmax));
        double b = time(() -> Pooling.backward(t, Pooling.Mode.MAX, g, dy, x.shape(), argmax));
        return new Sample(f, b, x.shape().size(), ys.size(), 1);
    }

    private static Sample upsample(Threads t, int side, Upsample.Mode mode) {
        Upsample u = new Upsample(mode, 2, 2);
        Tensor x = random(shape(CHANNELS, side / 2), 1);
        Shape ys = u.outputShape(x.shape());
        Tensor dy = random(ys, 2);
        double f = time(() -> u.forward(t, x));
        double b = time(() -> u.backward(t, dy, x.shape()));
        return new Sample(f, b, x.shape().size(), ys.size(), 1);
    }

    /** The MSE loss computes value and gradient in one call; half of its time is booked to each pass. */
    private static Sample loss(int side) {
        Tensor p = random(shape(CHANNELS, side), 1);
        Tensor target = random(p.shape(), 2);
        Tensor grad = Tensor.zeros(p.shape());
        double s = time(() -> Losses.mse(p, target, p.shape().size(), grad));
        double n = p.shape().size();
        return new Sample(s / 2, s / 2, n, 0, 1);
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

    private static double time(Runnable r) {
        r.run();
        double best = Double.MAX_VALUE;
        for (int i = 0; i < Calibration.REPEATS; i++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }
}
