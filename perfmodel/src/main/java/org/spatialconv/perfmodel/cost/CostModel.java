package org.spatialconv.perfmodel.cost;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.spatialconv.perfmodel.machine.MachineProfile;
import org.spatialconv.perfmodel.net.BatchNormSpec;
import org.spatialconv.perfmodel.net.ConvSpec;
import org.spatialconv.perfmodel.net.DeconvSpec;
import org.spatialconv.perfmodel.net.GlobalAvgPoolSpec;
import org.spatialconv.perfmodel.net.Layer;
import org.spatialconv.perfmodel.net.LayerSpec;
import org.spatialconv.perfmodel.net.LossSpec;
import org.spatialconv.perfmodel.net.NetworkSpec;
import org.spatialconv.perfmodel.net.TensorShape;

/**
 * The cost model of one network at one input shape on {@code P} ranks of a machine. Every layer is distributed by
 * a {@link Grid} over its output (a loss over its input); a layer's inputs are shuffled to its grid when their
 * producer's grid differs. Costs are cached; the model is immutable apart from its caches and not thread-safe.
 */
public final class CostModel {
    private static final int FLOAT = 4;
    /**
     * Shuffle costs are the maximum over ranks; above this many ranks, over this many evenly spaced ranks
     * (first and last included), which keeps the search under a second at P = 1024.
     */
    static final int SHUFFLE_SAMPLES = 64;

    private final NetworkSpec net;
    private final TensorShape input;
    private final MachineProfile machine;
    private final int ranks;
    private final CostOptions options;
    private final List<Grid> grids;
    private final Map<String, TensorShape> shapes;
    private final List<List<TensorShape>> inputShapes = new ArrayList<>();
    private final LayerCost[][] cache;
    private final Map<ShuffleKey, Double> shuffleCache = new HashMap<>();
    private final Map<TensorShape, double[]> shuffleMatrices = new HashMap<>();
    private final Map<Grid, boolean[]> crossNode = new HashMap<>();
    private final Map<String, Halos.DimHalo> haloCache = new HashMap<>();
    private final long params;
    private final double sync;

    /** A model with {@link CostOptions#DEFAULT} options. */
    public CostModel(NetworkSpec net, TensorShape input, MachineProfile machine, int ranks) {
        this(net, input, machine, ranks, CostOptions.DEFAULT);
    }

    /** A model of {@code net} at {@code input} on {@code ranks} ranks of {@code machine}. */
    public CostModel(NetworkSpec net, TensorShape input, MachineProfile machine, int ranks, CostOptions options) {
        if (ranks < 1) {
            throw new IllegalArgumentException("rank count must be >= 1, got " + ranks);
        }
        this.net = net;
        this.input = input;
        // ranks of one node share its host's cores (a no-op for profiles with a device per rank)
        int onHost = Math.min(ranks, machine.ranksPerNode());
        this.sync = machine.syncSeconds(onHost, options.threadsPerRank());
        this.machine = machine.sharedBy(onHost, options.threadsPerRank());
        this.ranks = ranks;
        this.options = options;
        this.grids = Grid.factorizations(ranks);
        this.shapes = net.inferShapes(input);
        long p = 0;
        for (Layer l : net.layers()) {
            List<TensorShape> in = NetworkSpec.inputShapes(l, shapes);
            inputShapes.add(in);
            p += l.spec().paramCount(in);
        }
        this.params = p;
        this.cache = new LayerCost[net.layers().size()][grids.size()];
    }

    public NetworkSpec network() {
        return net;
    }

    public TensorShape input() {
        return input;
    }

    /**
     * The machine as one rank of this model sees it: the profile given, with compute rates for the ranks that share
     * a node's host ({@link MachineProfile#sharedBy}) when it has one.
     */
    public MachineProfile machine() {
        return machine;
    }

    public int ranks() {
        return ranks;
    }

    public CostOptions options() {
        return options;
    }

    /** Every grid the search considers (all factorizations of P). */
    public List<Grid> grids() {
        return grids;
    }

    /** Output shape of a layer (or of {@link NetworkSpec#INPUT}). */
    public TensorShape shape(String name) {
        return shapes.get(name);
    }

    /** The shape a layer's grid splits: its output, or for a loss its input. */
    public TensorShape distributedShape(int layer) {
        Layer l = net.layers().get(layer);
        return l.spec() instanceof LossSpec ? inputShapes.get(layer).get(0) : shapes.get(l.name());
    }

    /** Total trainable parameters. */
    public long params() {
        return params;
    }

    /** Bytes per rank of weights, gradients and optimizer state (replicated on every rank). */
    public long paramStateBytes() {
        return params * FLOAT * (2L + options.optimizerSlots());
    }

    /**
     * Whether a layer can run on a grid: every rank must own at least one row and column of the distributed
     * tensor and of each input when that dimension is split; layers without spatial extent (fc, global pooling)
     * cannot split H or W. Samples may be split more ways than there are samples (ranks then idle) unless
     * {@link CostOptions#idleRanks()} is false. Without idle ranks the model follows Spatialconv's engine: global
     * pooling takes the grid of its input (its output is replicated on every rank), and a layer without spatial
     * extent that has fewer samples than ranks runs replicated, on grid {@code R,1,1}
     * ({@link #replicated}).
     */
    public boolean valid(int layer, Grid g) {
        if (g.size() != ranks) {
            return false;
        }
        TensorShape out = distributedShape(layer);
        boolean pooling = !options.idleRanks() && net.layers().get(layer).spec() instanceof GlobalAvgPoolSpec;
        if (!pooling && (g.h() > out.h() || g.w() > out.w())) {
            return false;
        }
        if (!options.idleRanks() && g.n() > out.n() && (pooling || !replicated(layer, g))) {
            return false;
        }
        for (TensorShape in : inputShapes.get(layer)) {
            if (g.h() > in.h() || g.w() > in.w()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether, without idle ranks, the engine runs this layer replicated on every rank on grid {@code g}: a layer
     * without spatial extent with fewer samples than ranks, on grid {@code R,1,1}.
     */
    public boolean replicated(int layer, Grid g) {
        TensorShape out = distributedShape(layer);
        return !options.idleRanks() && out.h() == 1 && out.w() == 1 && g.h() == 1 && g.w() == 1 && g.n() > out.n()
                && !(net.layers().get(layer).spec() instanceof GlobalAvgPoolSpec);
    }

    /** A short reason why a layer has no valid grid at all, or null if it has one. */
    public String whyNoGrid(int layer) {
        for (Grid g : grids) {
            if (valid(layer, g)) {
                return null;
            }
        }
        return "no split of " + ranks + " ranks into samples x rows x cols fits its shape "
                + distributedShape(layer);
    }

    /** Cost of a layer (by index) on a grid; {@code null} if the grid is not valid for it. */
    public LayerCost layer(int layer, Grid g) {
        int gi = grids.indexOf(g);
        if (gi < 0 || !valid(layer, g)) {
            return null;
        }
        LayerCost c = cache[layer][gi];
        if (c == null) {
            c = LayerCostCalculator.compute(this, layer, g);
            cache[layer][gi] = c;
        }
        return c;
    }

    /**
     * What one exchange (a collective, a halo exchange) costs a rank beyond its messages while the ranks share a
     * host's cores ({@link MachineProfile#syncSeconds}); 0 with a device per rank.
     */
    public double syncSeconds() {
        return sync;
    }

    /** Input shapes of a layer. */
    List<TensorShape> inputShapes(int layer) {
        return inputShapes.get(layer);
    }

    /** Halo of layer {@code layer} along spatial dimension s for {@code parts} parts (cached). */
    Halos.DimHalo halo(int layer, int s, int parts) {
        if (parts == 1) {
            return Halos.DimHalo.NONE;
        }
        String key = layer + ":" + s + ":" + parts;
        Halos.DimHalo h = haloCache.get(key);
        if (h == null) {
            LayerSpec spec = net.layers().get(layer).spec();
            int in = inputShapes.get(layer).get(0).spatial(s);
            int out = distributedShape(layer).spatial(s);
            h = Halos.halo(spec, s, in, out, parts);
            haloCache.put(key, h);
        }
        return h;
    }

    /**
     * Whether neighbours along dimension {@code dim} (0 = N, 1 = H, 2 = W) of some rank sit on different nodes.
     */
    boolean crossesNode(Grid g, int dim) {
        return crossNode.computeIfAbsent(g, this::computeCross)[dim];
    }

    private boolean[] computeCross(Grid g) {
        boolean[] cross = new boolean[3];
        int[] step = {g.h() * g.w(), g.w(), 1};
        int rpn = machine.ranksPerNode();
        for (int r = 0; r < ranks; r++) {
            for (int d = 0; d < 3; d++) {
                if (!cross[d] && g.coord(r, d) + 1 < g.parts(d) && r / rpn != (r + step[d]) / rpn) {
                    cross[d] = true;
                }
            }
        }
        return cross;
    }

    /** Seconds per byte of a point-to-point transfer, inside or across nodes (a node's link is shared). */
    double beta(boolean acrossNodes) {
        if (!acrossNodes) {
            return machine.intra().beta();
        }
        int sharing = Math.min(machine.ranksPerNode(), ranks);
        return Math.max(machine.intra().beta(), sharing / machine.inter().bandwidth());
    }

    /** Latency of one message, inside or across nodes. */
    double alpha(boolean acrossNodes) {
        return acrossNodes ? machine.inter().alphaS() : machine.intra().alphaS();
    }

    /**
     * Ring allreduce of {@code bytes} over all ranks: {@code 2·log2(P)·α + 2·(P−1)/P·bytes·β}, where β is the
     * slower of the link inside a node and a node's network link (the ring crosses each node boundary once).
     */
    public double allreduce(long bytes) {
        return allreduce(bytes, ranks, ranks > machine.ranksPerNode());
    }

    /** Ring allreduce of {@code bytes} over a group of {@code group} ranks, inside one node or across nodes. */
    public double allreduce(long bytes, int group, boolean across) {
        if (group == 1 || bytes == 0) {
            return 0;
        }
        double bw = across ? Math.min(machine.intra().bandwidth(), machine.inter().bandwidth())
                : machine.intra().bandwidth();
        double log2 = Math.ceil(Math.log(group) / Math.log(2));
        return 2 * log2 * alpha(across) + 2.0 * (group - 1) / group * bytes / bw;
    }

    /**
     * Cost of moving a tensor from grid {@code a} to grid {@code b} and its gradient back (an all-to-all of the
     * moved bytes): per rank, one message per peer it exchanges with plus the bytes it sends or receives (the
     * larger), plus packing at memory bandwidth; the slowest rank counts (of at most {@link #SHUFFLE_SAMPLES}
     * evenly spaced ranks). Zero when the grids are equal.
     */
    public double shuffle(TensorShape t, Grid a, Grid b) {
        if (a.equals(b)) {
            return 0;
        }
        ShuffleKey key = new ShuffleKey(t, a, b);
        Double cached = shuffleCache.get(key);
        if (cached != null) {
            return cached;
        }
        int[] ext = {t.n(), t.h(), t.w()};
        long perItem = (long) t.c() * FLOAT;
        boolean across = ranks > machine.ranksPerNode();
        double worst = 0;
        int step = Math.max(1, ranks / SHUFFLE_SAMPLES);
        for (int r = 0; r < ranks; r = (r + step >= ranks && r != ranks - 1) ? ranks - 1 : r + step) {
            long own = 1;
            long want = 1;
            long keep = 1;
            long peers = 1;
            for (int d = 0; d < 3; d++) {
                int e = ext[d];
                int pa = a.parts(d);
                int pb = b.parts(d);
                int ia = a.coord(r, d);
                int ib = b.coord(r, d);
                int a0 = Blocks.start(e, pa, ia);
                int a1 = a0 + Blocks.size(e, pa, ia);
                int b0 = Blocks.start(e, pb, ib);
                int b1 = b0 + Blocks.size(e, pb, ib);
                own *= a1 - a0;
                want *= b1 - b0;
                keep *= Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
                peers *= a1 > a0 ? Blocks.owner(e, pb, a1 - 1) - Blocks.owner(e, pb, a0) + 1 : 0;
            }
            long moved = Math.max(own - keep, want - keep) * perItem;
            long packed = (own - keep + want - keep) * perItem;
            long messages = Math.max(0, peers - (keep > 0 ? 1 : 0));
            double tr = messages * alpha(across) + moved * beta(across)
                    + packed / machine.device().memoryBandwidth();
            worst = Math.max(worst, tr);
        }
        double cost = 2 * worst;
        shuffleCache.put(key, cost);
        return cost;
    }

    /**
     * Shuffle costs of a tensor between every pair of grids, {@code m[a·G + b]} for grids a, b of
     * {@link #grids()} (cached per shape).
     */
    public double[] shuffleMatrix(TensorShape t) {
        return shuffleMatrices.computeIfAbsent(t, shape -> {
            int g = grids.size();
            double[] m = new double[g * g];
            for (int a = 0; a < g; a++) {
                for (int b = 0; b < g; b++) {
                    m[a * g + b] = shuffle(shape, grids.get(a), grids.get(b));
                }
            }
            return m;
        });
    }

    private record ShuffleKey(TensorShape t, Grid a, Grid b) {
    }

    /**
     * Seconds per rank of what Spatialconv's trainer does after backward on in-JVM ranks ({@code Network.step}),
     * with none of it overlapped: on more than one rank the gradients are packed into one double array
     * (allocate 8 B and read 4 B per parameter, write 8 B), summed over the ranks in shared memory (every rank
     * allocates a sum, 8 B, and adds all P arrays into it, 24 B per rank and parameter, then copies it back, 16 B)
     * and unpacked (read 8 B, write 4 B); then the optimizer reads weight, gradient and its state and writes
     * weight and state ({@code 4·(2 + slots) + 4·(1 + slots)} B) and the gradients are zeroed (4 B). Every rank
     * streams its bytes at the rate of an elementwise Java loop: the calibrated {@code add.fwd} rate for the
     * ranks on the host when the profile has one, else the memory bandwidth.
     */
    public double trainerStepSeconds() {
        double perParam = 4.0 * (2 + options.optimizerSlots()) + 4.0 * (1 + options.optimizerSlots()) + 4;
        if (ranks > 1) {
            perParam += (8 + 4 + 8) + 8 + 24.0 * ranks + 16 + (8 + 4);
        }
        double rate = machine.layerRate("add", "fwd");
        return params * perParam / (Double.isNaN(rate) ? machine.device().memoryBandwidth() : rate);
    }

    /** Whether a layer holds weights. */
    static boolean hasWeights(LayerSpec s) {
        return s instanceof ConvSpec || s instanceof DeconvSpec || s instanceof BatchNormSpec
                || s instanceof org.spatialconv.perfmodel.net.LinearSpec;
    }
}
