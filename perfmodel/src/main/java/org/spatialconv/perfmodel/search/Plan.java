package org.spatialconv.perfmodel.search;

import java.util.ArrayList;
import java.util.List;
import org.spatialconv.perfmodel.cost.CostModel;
import org.spatialconv.perfmodel.cost.Grid;
import org.spatialconv.perfmodel.cost.LayerCost;
import org.spatialconv.perfmodel.net.Layer;
import org.spatialconv.perfmodel.net.NetworkSpec;
import org.spatialconv.perfmodel.net.TensorShape;

/**
 * A distribution for every layer, evaluated by a {@link CostModel}. The iteration time is the sum of every
 * layer's forward, backward and collective time and every shuffle (the additive objective the search minimises)
 * plus the part of the weight-gradient allreduces that backward compute does not hide. Gradients are allreduced
 * in buckets of {@link #BUCKET_BYTES} (as PyTorch DDP does) filled in backward order; a bucket starts when its last
 * layer's backward is done and buckets run one at a time.
 *
 * @param ranks               P
 * @param inputGrid           distribution the input is loaded in
 * @param layers              per layer
 * @param objective           additive part, seconds
 * @param exposedAllreduce    gradient allreduce time not hidden by backward, seconds (with
 *                            {@link org.spatialconv.perfmodel.cost.CostOptions#trainerStep}: the trainer's whole
 *                            step after backward, {@link CostModel#trainerStepSeconds})
 * @param memoryBytesPerRank  peak bytes per rank: kept activations + weights/gradients/optimizer state + largest
 *                            scratch
 * @param memoryBudget        usable bytes per rank on the machine
 */
public record Plan(int ranks, Grid inputGrid, List<LayerPlan> layers, double objective, double exposedAllreduce,
        long memoryBytesPerRank, long memoryBudget) {
    /** Gradient bucket size: 25 MiB, PyTorch DistributedDataParallel's default {@code bucket_cap_mb}. */
    public static final long BUCKET_BYTES = 25L << 20;

    /** Predicted iteration time, seconds. */
    public double iterationSeconds() {
        return objective + exposedAllreduce;
    }

    /** Whether the peak memory per rank fits the budget. */
    public boolean fits() {
        return memoryBytesPerRank <= memoryBudget;
    }

    /** Evaluates an assignment of grids (one per layer, in layer order) under a model. */
    public static Plan evaluate(CostModel m, Grid inputGrid, Grid[] grids) {
        NetworkSpec net = m.network();
        List<LayerPlan> out = new ArrayList<>();
        double objective = 0;
        long kept = 0;
        long scratch = 0;
        for (int i = 0; i < net.layers().size(); i++) {
            Layer l = net.layers().get(i);
            LayerCost c = m.layer(i, grids[i]);
            if (c == null) {
                throw new IllegalArgumentException("layer '" + l.name() + "' cannot run on grid " + grids[i]
                        + " (shape " + m.distributedShape(i) + ")");
            }
            double shuffle = 0;
            for (String input : l.inputs()) {
                Grid from = input.equals(NetworkSpec.INPUT) ? inputGrid : grids[net.indexOf(input)];
                shuffle += m.shuffle(m.shape(input), from, grids[i]);
            }
            TensorShape shape = m.shape(l.name());
            out.add(new LayerPlan(l.name(), l.spec().type(), shape, c, shuffle));
            objective += c.time() + shuffle;
            kept += c.keptBytes();
            scratch = Math.max(scratch, c.transientBytes());
        }
        double exposed = m.options().trainerStep() ? m.trainerStepSeconds() : exposedAllreduce(m, out);
        long memory = kept + scratch + m.paramStateBytes();
        return new Plan(m.ranks(), inputGrid, List.copyOf(out), objective, exposed, memory,
                m.machine().device().usableBytes());
    }

    /**
     * Same grid for every layer that can take it; a layer that cannot (no spatial extent, too few samples) takes
     * the valid grid with the most sample parts (sample-parallel where possible).
     *
     * @throws IllegalArgumentException if some layer has no valid grid at all
     */
    public static Plan uniform(CostModel m, Grid g) {
        Grid[] grids = new Grid[m.network().layers().size()];
        for (int i = 0; i < grids.length; i++) {
            if (m.valid(i, g)) {
                grids[i] = g;
                continue;
            }
            for (Grid c : m.grids()) {
                if (m.valid(i, c) && (grids[i] == null || c.n() > grids[i].n())) {
                    grids[i] = c;
                }
            }
            if (grids[i] == null) {
                throw new IllegalArgumentException("layer '" + m.network().layers().get(i).name() + "': "
                        + m.whyNoGrid(i));
            }
        }
        return evaluate(m, g, grids);
    }

    /** Gradient allreduce time not hidden behind backward compute, seconds. */
    static double exposedAllreduce(CostModel m, List<LayerPlan> layers) {
        double t = 0;
        double busy = 0;
        long bucket = 0;
        for (int i = layers.size() - 1; i >= 0; i--) {
            LayerCost c = layers.get(i).cost();
            t += c.bwd() + c.collective() / 2 + layers.get(i).shuffleIn() / 2;
            bucket += c.gradBytes();
            if (bucket >= BUCKET_BYTES || (i == 0 && bucket > 0)) {
                busy = Math.max(busy, t) + m.allreduce(bucket);
                bucket = 0;
            }
        }
        return Math.max(0, busy - t);
    }

    /** The layer keeping the most memory per rank. */
    public LayerPlan largestLayer() {
        LayerPlan best = layers.get(0);
        for (LayerPlan l : layers) {
            if (l.cost().keptBytes() + l.cost().transientBytes() > best.cost().keptBytes()
                    + best.cost().transientBytes()) {
                best = l;
            }
        }
        return best;
    }
}
