package org.spatialconv.perfmodel.train;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.Backends;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.Adam;
import org.spatialconv.conv.layers.Optimizer;
import org.spatialconv.conv.layers.Parameter;
import org.spatialconv.conv.layers.Sgd;
import org.spatialconv.conv.layers.Threads;
import org.spatialconv.decomposition.net.Exchange;
import org.spatialconv.decomposition.net.LocalRanks;
import org.spatialconv.decomposition.net.Network;
import org.spatialconv.decomposition.net.RankContext;

/**
 * The training loop of {@code spatialconv train}, on in-JVM ranks: every rank builds the network with the same
 * seed, takes its block of each generated batch, and runs forward, loss, backward and step.
 */
public final class Trainer {
    /** Longest any rank may wait for its peers (a slow layer on a large sample can take minutes). */
    private static final Duration TIMEOUT = Duration.ofMinutes(30);

    private Trainer() {
    }

    /**
     * Trains and reports.
     *
     * @param onStep called on rank 0 after each step with the step index (0-based)
     * @throws IllegalArgumentException for a network or grid that does not fit the sample
     */
    public static TrainResult run(TrainConfig cfg, IntConsumer onStep) {
        SpecConverter.Trainable t = SpecConverter.convert(cfg.spec(), cfg.layerGrids());
        List<TrainResult> all = LocalRanks.run(cfg.ranks(), TIMEOUT,
                ex -> runRank(cfg, t, ex, ex.rank() == 0 ? onStep : s -> { }, false));
        return all.get(0);
    }

    /**
     * One rank's part of a training run over any {@link Exchange} (in-JVM ranks or {@code CommExchange} over MPJ
     * processes). Every rank returns the same losses and parameters; step times are this rank's.
     *
     * @param processPerRank true if each rank is its own JVM, so the heap peak of this process is the rank's
     *     (the peaks are then gathered and the largest reported); false for ranks sharing one JVM heap
     */
    public static TrainResult runRank(TrainConfig cfg, SpecConverter.Trainable t, Exchange ex, IntConsumer onStep,
            boolean processPerRank) {
        Shape inShape = Shape.nchw(cfg.batch(), cfg.spec().inputChannels(), cfg.height(), cfg.width());
        double[] losses = new double[cfg.steps()];
        double[] seconds = new double[cfg.steps()];
        long peak = 0;
        PdeData data = new PdeData(cfg.seed(), cfg.sweeps());
        List<Tensor> ps = new ArrayList<>();
        List<String> names = new ArrayList<>();
        double[] perLayer = null; // [step][rank][layer], this rank's slots only until the allreduce below
        double[] timeline = null; // [step][rank][event] in execution order (see criticalShares), likewise
        try (Backend backend = Backends.create("cpu", BackendOptions.threads(cfg.threadsPerRank()));
             Network net = new Network(t.def(), inShape, cfg.grid(), new RankContext(ex, backend,
                     new Threads(cfg.threadsPerRank()), cfg.overlap() ? org.spatialconv.decomposition.layer.OverlapMode.ON
                             : org.spatialconv.decomposition.layer.OverlapMode.OFF), cfg.seed())) {
            if (cfg.gradientBucketBytes() > 0) {
                net.overlapGradients(cfg.gradientBucketBytes());
            }
            Optimizer opt = cfg.optimizer().equals("adam") ? new Adam(cfg.lr()) : new Sgd(cfg.lr(), 0.9, 0);
            Shape outShape = net.outputPlacement().global();
            names.addAll(net.layerNames());
            List<org.spatialconv.perfmodel.net.Layer> specLayers = cfg.spec().layers();
            names.add(specLayers.get(specLayers.size() - 1).name()); // the loss layer
            int nl = names.size();
            perLayer = new double[cfg.steps() * ex.size() * nl];
            int events = 2 * nl;
            timeline = new double[cfg.steps() * ex.size() * events];
            double[] origin = {ex.rank() == 0 ? System.nanoTime() : 0}; // exact in a double (below 2^53 ns)
            ex.allreduce(origin);
            for (int s = 0; s < cfg.steps(); s++) {
                int first = s * cfg.batch();
                Tensor x = net.inputPlacement().block(data.inputs(first, cfg.batch(), inShape.c(), cfg.height(),
                        cfg.width()), ex.rank());
                Tensor target = net.outputPlacement().block(data.targets(first, outShape, t.loss(), cfg.height(),
                        cfg.width()), ex.rank());
                double[] sync = {0};
                ex.allreduce(sync); // start every rank's step clock together
                if (s == 0 && (processPerRank || ex.rank() == 0)) {
                    resetPeaks();
                }
                net.resetLayerNanos();
                long t0 = System.nanoTime();
                net.forward(x, true);
                long l0 = System.nanoTime();
                losses[s] = net.loss(t.loss(), target);
                long lossNanos = System.nanoTime() - l0;
                net.backward();
                net.step(opt);
                ex.allreduce(sync);
                seconds[s] = (System.nanoTime() - t0) / 1e9;
                peak = Math.max(peak, peakHeap());
                long[] ln = net.layerNanos();
                int base = (s * ex.size() + ex.rank()) * nl;
                for (int i = 0; i < ln.length; i++) {
                    perLayer[base + i] = ln[i] / 1e9;
                }
                perLayer[base + nl - 1] = lossNanos / 1e9;
                long o = (long) origin[0];
                long[] fe = net.forwardEndNanos();
                long[] be = net.backwardEndNanos();
                int tb = (s * ex.size() + ex.rank()) * events;
                timeline[tb] = (t0 - o) / 1e9;
                for (int i = 0; i < fe.length; i++) {
                    timeline[tb + 1 + i] = (fe[i] - o) / 1e9;
                    timeline[tb + events - 1 - i] = (be[i] - o) / 1e9;
                }
                timeline[tb + nl] = (l0 + lossNanos - o) / 1e9;
                onStep.accept(s);
            }
            ex.allreduce(perLayer); // every other rank's slots are zero: the sum gathers them
            ex.allreduce(timeline);
            for (Parameter p : net.parameters()) {
                ps.add(p.value());
            }
        }
        long perRank;
        if (processPerRank) {
            double[] peaks = new double[ex.size()];
            peaks[ex.rank()] = peak;
            ex.allreduce(peaks);
            perRank = (long) java.util.Arrays.stream(peaks).max().orElse(0);
        } else {
            perRank = peak / ex.size();
        }
        java.util.Map<String, double[]> layerSeconds = new java.util.LinkedHashMap<>();
        java.util.Map<String, double[]> layerMeans = new java.util.LinkedHashMap<>();
        int nl = names.size();
        for (int i = 0; i < nl; i++) {
            double[] v = new double[cfg.steps()];
            double[] mean = new double[cfg.steps()];
            for (int s = 0; s < cfg.steps(); s++) {
                for (int r = 0; r < ex.size(); r++) {
                    v[s] = Math.max(v[s], perLayer[(s * ex.size() + r) * nl + i]);
                    mean[s] += perLayer[(s * ex.size() + r) * nl + i] / ex.size();
                }
            }
            layerSeconds.put(names.get(i), v);
            layerMeans.put(names.get(i), mean);
        }
        double[][] shares = criticalShares(timeline, cfg.steps(), ex.size(), nl);
        java.util.Map<String, double[]> layerCritical = new java.util.LinkedHashMap<>();
        for (int i = 0; i < nl; i++) {
            layerCritical.put(names.get(i), shares[i]);
        }
        List<String> events = new ArrayList<>();
        events.add("start");
        for (int i = 0; i < nl - 1; i++) {
            events.add(names.get(i) + ".fwd");
        }
        events.add(names.get(nl - 1));
        for (int i = nl - 2; i >= 0; i--) {
            events.add(names.get(i) + ".bwd");
        }
        return new TrainResult(losses, seconds,
                TrainResult.samplesPerSecond(cfg.batch(), seconds, cfg.steps() > 1 ? 1 : 0), perRank, ps, layerSeconds,
                layerMeans, layerCritical, new TrainResult.Timeline(events, cfg.steps(), ex.size(), timeline));
    }

    /**
     * Each layer's share of the slowest rank's progress, per step. With {@code L = layers} (the loss last),
     * {@code timeline[(step * ranks + rank) * 2 * L + e]} holds the time of event {@code e} in execution order: 0 the step's
     * start, {@code 1..L-1} the end of each network layer's forward pass, {@code L} the end of the loss, then
     * {@code L+1..2L-1} the end of each network layer's backward pass (last layer first). With {@code M(e)} the
     * largest over ranks, an event's share is {@code M(e) - M(e-1)}, which is never negative (each rank's events
     * are in order), and a layer's share is that of its forward end plus that of its backward end; the shares add
     * up to the time from the last rank's start to the last rank's end of backward. Unlike the largest over ranks
     * of each rank's own layer time, a late rank's delay is counted once: in the layer where the slowest rank
     * spent it.
     *
     * @return {@code [layer][step]} in seconds
     */
    static double[][] criticalShares(double[] timeline, int steps, int ranks, int layers) {
        int events = 2 * layers;
        double[][] shares = new double[layers][steps];
        for (int s = 0; s < steps; s++) {
            double[] m = new double[events];
            java.util.Arrays.fill(m, Double.NEGATIVE_INFINITY);
            for (int r = 0; r < ranks; r++) {
                for (int e = 0; e < events; e++) {
                    m[e] = Math.max(m[e], timeline[(s * ranks + r) * events + e]);
                }
            }
            for (int i = 0; i < layers - 1; i++) {
                int back = events - 1 - i;
                shares[i][s] = (m[1 + i] - m[i]) + (m[back] - m[back - 1]);
            }
            shares[layers - 1][s] = m[layers] - m[layers - 1];
        }
        return shares;
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                p.resetPeakUsage();
            }
        }
    }

    private static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                sum += p.getPeakUsage().getUsed();
            }
        }
        return sum;
    }
}
