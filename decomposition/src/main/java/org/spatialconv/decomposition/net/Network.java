package org.spatialconv.decomposition.net;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.Optimizer;
import org.spatialconv.conv.layers.Parameter;

/**
 * One rank's instance of a distributed network. Every rank of a group builds the same {@link NetworkDef} with the
 * same seed and calls the same methods in the same order; each passes the block of the input it owns under
 * {@link #inputPlacement()}. Where a node's input placement differs from its producer's output placement the
 * tensor is shuffled (and the gradient shuffled back). A training step:
 * <pre>
 *   Tensor y = net.forward(x, true);
 *   double loss = net.loss(Loss.MSE, target);   // global loss, identical on every rank
 *   net.backward();
 *   net.step(optimizer);                          // allreduces gradients, updates, zeroes gradients
 * </pre>
 */
public final class Network implements AutoCloseable {
    private final RankContext ctx;
    private final List<NetworkDef.Node> nodes;
    private final NetLayer[] layers;
    private final Placement[] outPl;
    /** Per node and input: the move from the producer's placement to the node's (identity where they agree). */
    private final Fetch[][] edges;
    private final int[][] producers;
    private final int[] lastUse;
    private final Placement input;
    private final Map<String, Integer> index = new HashMap<>();
    private final List<Parameter> summed = new ArrayList<>();
    /** Node i's parameters in {@link #summed} are {@code summed[summedFrom[i], summedFrom[i + 1])}. */
    private final int[] summedFrom;
    /** Non-null once {@link #overlapGradients} is on. */
    private GradientBuckets buckets;
    private final List<Parameter> params = new ArrayList<>();
    private final List<Parameter> buffers = new ArrayList<>();
    /** Wall time per node since the last {@link #resetLayerNanos()}: forward and backward, shuffles included. */
    private final long[] layerNanos;
    /** {@link System#nanoTime()} at the end of each node's last forward and last backward pass. */
    private final long[] forwardEnds;
    private final long[] backwardEnds;
    private Tensor[] outputs;
    private Tensor[] grads;
    private Tensor outputGrad;
    private Tensor inputGrad;

    /**
     * Builds this rank's instance.
     *
     * @param inputShape global N,C,H,W of the network input
     * @param grid the network's default grid n,h,w; its product must be the number of ranks
     * @param seed parameter initialisation seed (the same on every rank)
     * @throws IllegalArgumentException naming the layer whose shapes or grid do not fit
     */
    public Network(NetworkDef def, Shape inputShape, int[] grid, RankContext ctx, long seed) {
        this.ctx = ctx;
        this.nodes = def.nodes();
        if (grid.length != 3 || grid[0] * grid[1] * grid[2] != ctx.exchange().size()) {
            throw new IllegalArgumentException("grid " + java.util.Arrays.toString(grid) + " does not have "
                    + ctx.exchange().size() + " ranks");
        }
        if (inputShape.c() != def.inputChannels()) {
            throw new IllegalArgumentException("input has " + inputShape.c() + " channels but the network takes "
                    + def.inputChannels());
        }
        int n = nodes.size();
        layers = new NetLayer[n];
        outPl = new Placement[n];
        producers = new int[n][];
        edges = new Fetch[n][];
        lastUse = new int[n + 1];
        summedFrom = new int[n + 1];
        layerNanos = new long[n];
        forwardEnds = new long[n];
        backwardEnds = new long[n];
        index.put(NetworkDef.INPUT, -1);
        input = Placement.split(grid, inputShape);
        for (int i = 0; i < n; i++) {
            NetworkDef.Node node = nodes.get(i);
            try {
                NetLayer layer = node.factory().get();
                int[] g = node.grid() == null ? grid : node.grid();
                if (g[0] * g[1] * g[2] != ctx.exchange().size()) {
                    throw new IllegalArgumentException("grid " + Placement.gridString(g) + " has " + g[0] * g[1] * g[2]
                            + " ranks but the network runs on " + ctx.exchange().size());
                }
                List<Shape> shapes = new ArrayList<>();
                List<Placement> ins = new ArrayList<>();
                producers[i] = new int[node.inputs().size()];
                edges[i] = new Fetch[node.inputs().size()];
                for (int k = 0; k < node.inputs().size(); k++) {
                    int p = index.get(node.inputs().get(k));
                    producers[i][k] = p;
                    lastUse[p + 1] = i;
                    Placement pp = p < 0 ? input : outPl[p];
                    shapes.add(pp.global());
                    int ranks = ctx.exchange().size();
                    if (layer.needsReplicatedInput()) {
                        ins.add(Placement.replicated(ranks, pp.global()));
                    } else if (layer.samplesParallel()) {
                        ins.add(Placement.samples(ranks, pp.global()));
                    } else if (pp.isReplicated()) {
                        ins.add(Placement.replicated(ranks, pp.global()));
                    } else if (pp.isFlatSamples()) {
                        // A tensor without spatial extent (after the fully connected layer) stays on its samples.
                        ins.add(pp);
                    } else {
                        ins.add(Placement.split(g, pp.global()));
                    }
                    edges[i][k] = Fetch.edge(pp, ins.get(k));
                }
                Shape out = layer.outputShape(shapes);
                Placement op = layer.outputPlacement(ins, out);
                layer.bind(ctx, ins, op);
                layer.init(node.name(), new Random(seed * 31 + node.name().hashCode()));
                layers[i] = layer;
                outPl[i] = op;
                boolean replicatedParams = ins.stream().allMatch(Placement::isReplicated);
                for (Parameter p : layer.parameters()) {
                    params.add(p);
                    if (!replicatedParams) {
                        summed.add(p);
                    }
                }
                summedFrom[i + 1] = summed.size();
                buffers.addAll(layer.buffers());
                index.put(node.name(), i);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("layer '" + node.name() + "': " + e.getMessage(), e);
            }
        }
    }

    public Placement inputPlacement() {
        return input;
    }

    public Placement outputPlacement() {
        return outPl[outPl.length - 1];
    }

    /** Global output shape of the named node. */
    public Shape shapeOf(String name) {
        Integer i = index.get(name);
        if (i == null) {
            throw new IllegalArgumentException("no layer named '" + name + "'");
        }
        return i < 0 ? input.global() : outPl[i].global();
    }

    /** The named layer instance (for inspection, e.g. batch-norm statistics). */
    public NetLayer layer(String name) {
        Integer i = index.get(name);
        if (i == null || i < 0) {
            throw new IllegalArgumentException("no layer named '" + name + "'");
        }
        return layers[i];
    }

    /** Node names in definition order (the order of {@link #layerNanos()}). */
    public List<String> layerNames() {
        return nodes.stream().map(NetworkDef.Node::name).toList();
    }

    /**
     * This rank's wall time per node, in definition order, since construction or the last
     * {@link #resetLayerNanos()}: forward and backward, including the shuffles into the node's placement and the
     * gradient shuffles back (the layers' own halo exchanges and collectives are inside their calls).
     */
    public long[] layerNanos() {
        return layerNanos.clone();
    }

    /**
     * {@link System#nanoTime()} when each node's last forward pass (shuffles in included) ended on this rank, in
     * definition order; 0 for a node that has not run. With a clock the ranks share (one JVM, or one host), the
     * largest over ranks of consecutive ends give each node's share of the slowest rank's progress.
     */
    public long[] forwardEndNanos() {
        return forwardEnds.clone();
    }

    /** As {@link #forwardEndNanos()}, for the last backward pass (gradient shuffles back included). */
    public long[] backwardEndNanos() {
        return backwardEnds.clone();
    }

    /** Zeroes the per-node times of {@link #layerNanos()}. */
    public void resetLayerNanos() {
        java.util.Arrays.fill(layerNanos, 0);
    }

    /** Trainable parameters in definition order (identical on every rank after each step). */
    public List<Parameter> parameters() {
        return List.copyOf(params);
    }

    /** Non-trained state (batch-norm running averages). */
    public List<Parameter> buffers() {
        return List.copyOf(buffers);
    }

    /** Runs the layers on this rank's input block; returns its output block under {@link #outputPlacement()}. */
    public Tensor forward(Tensor x, boolean training) {
        if (!x.shape().equals(input.ownShape(ctx.rank()))) {
            throw new IllegalArgumentException("rank " + ctx.rank() + " input block has shape " + x.shape()
                    + ", expected " + input.ownShape(ctx.rank()));
        }
        int n = layers.length;
        outputs = new Tensor[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            List<Tensor> ins = new ArrayList<>();
            for (int k = 0; k < producers[i].length; k++) {
                int p = producers[i][k];
                ins.add(edges[i][k].forward(ctx.exchange(), p < 0 ? x : outputs[p]));
            }
            outputs[i] = layers[i].forward(ins, training);
            forwardEnds[i] = System.nanoTime();
            layerNanos[i] += forwardEnds[i] - t0;
            for (int k = 0; k < producers[i].length; k++) {
                int p = producers[i][k];
                if (p >= 0 && lastUse[p + 1] == i && p != n - 1) {
                    outputs[p] = null;
                }
            }
        }
        return outputs[n - 1];
    }

    /**
     * Evaluates the loss of the last forward output against this rank's block of the target and keeps its
     * gradient for {@link #backward()}. Returns the global loss (identical on every rank).
     */
    public double loss(Loss loss, Tensor target) {
        Tensor y = outputs[outputs.length - 1];
        outputGrad = Tensor.zeros(y.shape());
        double partial = loss.partial(y, target, outputPlacement().global(), outputGrad);
        if (outputPlacement().isReplicated()) {
            return partial;
        }
        double[] l = {partial};
        ctx.exchange().allreduce(l);
        return l[0];
    }

    /** Back-propagates the loss gradient, accumulating parameter gradients on this rank. */
    public void backward() {
        if (outputGrad == null) {
            throw new IllegalStateException("call loss() after forward() before backward()");
        }
        if (buckets != null && buckets.pending()) {
            throw new IllegalStateException("gradients are summed during backward (overlapGradients): call step() "
                    + "or allreduceGradients() after each backward()");
        }
        int n = layers.length;
        grads = new Tensor[n];
        grads[n - 1] = outputGrad;
        inputGrad = null;
        for (int i = n - 1; i >= 0; i--) {
            long t0 = System.nanoTime();
            Tensor dy = grads[i];
            grads[i] = null;
            outputs[i] = null;
            if (dy == null) {
                dy = Tensor.zeros(outPl[i].ownShape(ctx.rank()));
            }
            List<Tensor> dxs = layers[i].backward(dy);
            for (int k = 0; k < producers[i].length; k++) {
                int p = producers[i][k];
                Tensor g = edges[i][k].backward(ctx.exchange(), dxs.get(k));
                if (p < 0) {
                    if (inputGrad == null) {
                        inputGrad = g.copy();
                    } else {
                        add(inputGrad, g);
                    }
                    continue;
                }
                if (grads[p] == null) {
                    grads[p] = g == dy ? g.copy() : g;
                } else {
                    add(grads[p], g);
                }
            }
            if (buckets != null) {
                buckets.layerDone(i);
            }
            backwardEnds[i] = System.nanoTime();
            layerNanos[i] += backwardEnds[i] - t0;
        }
        outputGrad = null;
    }

    private static void add(Tensor into, Tensor g) {
        float[] a = into.data();
        float[] b = g.data();
        for (int j = 0; j < a.length; j++) {
            a[j] += b[j];
        }
    }

    /** Gradient of the loss w.r.t. this rank's input block, from the last {@link #backward()}. */
    public Tensor inputGradient() {
        return inputGrad;
    }

    /**
     * Sums the parameter gradients over ranks while {@link #backward()} runs, from now on: the gradients are
     * grouped into buckets of at least {@code bucketBytes} in backward order, and each bucket is summed on a
     * thread of this rank's own as soon as backward has finished its layers (as PyTorch's DDP does).
     * {@link #step} then only waits for the buckets. The sums are bit-identical to the fused allreduce without
     * overlap. Collective: every rank must call it at the same point. On one rank it does nothing. The thread and
     * its communicator are released by {@link #close()}.
     *
     * @throws IllegalArgumentException if {@code bucketBytes} is not positive
     * @throws IllegalStateException if already on
     */
    public void overlapGradients(long bucketBytes) {
        if (bucketBytes <= 0) {
            throw new IllegalArgumentException("gradient bucket size must be positive, got " + bucketBytes);
        }
        if (buckets != null) {
            throw new IllegalStateException("gradient overlap is already on");
        }
        if (ctx.exchange().size() > 1 && !summed.isEmpty()) {
            List<List<Parameter>> perLayer = new ArrayList<>();
            for (int i = 0; i < layers.length; i++) {
                perLayer.add(summed.subList(summedFrom[i], summedFrom[i + 1]));
            }
            buckets = new GradientBuckets(ctx.exchange().communicator(), perLayer, bucketBytes, ctx.rank());
        }
    }

    /** Number of gradient buckets summed during backward (0 without {@link #overlapGradients}). */
    public int gradientBuckets() {
        return buckets == null ? 0 : buckets.bucketCount();
    }

    /** Stops the gradient thread of {@link #overlapGradients}, if any. The network is not usable afterwards. */
    @Override
    public void close() {
        if (buckets != null) {
            buckets.close();
        }
    }

    /**
     * Sums the distributed layers' parameter gradients over ranks: one fused float allreduce, or, with
     * {@link #overlapGradients}, waiting for the buckets started during the last backward.
     */
    public void allreduceGradients() {
        if (buckets != null && buckets.pending()) {
            buckets.finish();
            return;
        }
        int total = 0;
        for (Parameter p : summed) {
            total += p.grad().data().length;
        }
        float[] buf = new float[total];
        int at = 0;
        for (Parameter p : summed) {
            float[] g = p.grad().data();
            System.arraycopy(g, 0, buf, at, g.length);
            at += g.length;
        }
        ctx.exchange().communicator().allreduceSum(buf, 0, total);
        at = 0;
        for (Parameter p : summed) {
            float[] g = p.grad().data();
            System.arraycopy(buf, at, g, 0, g.length);
            at += g.length;
        }
    }

    /** Allreduces gradients, applies {@code opt}, and zeroes the gradients. */
    public void step(Optimizer opt) {
        allreduceGradients();
        opt.step(params);
        for (Parameter p : params) {
            p.zeroGrad();
        }
    }
}
