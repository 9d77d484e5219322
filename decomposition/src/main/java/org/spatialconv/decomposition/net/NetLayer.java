package org.spatialconv.decomposition.net;

import java.util.List;
import java.util.Random;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.Parameter;

/**
 * One node of a {@link Network} on one rank. The network binds it to the placements of its inputs and output,
 * then calls forward and backward with the blocks this rank owns; the layer fetches halos and pushes halo
 * gradients through the context's exchange so the result equals the single-rank result. Parameter gradients are
 * accumulated locally; the network allreduces them.
 */
public interface NetLayer {
    /** Global output shape from global input shapes. @throws IllegalArgumentException on mismatch */
    Shape outputShape(List<Shape> inputs);

    /** True if the layer needs its inputs replicated on every rank. */
    default boolean needsReplicatedInput() {
        return false;
    }

    /**
     * True if the layer runs sample-parallel (fully connected): the network shuffles its inputs to
     * {@link Placement#samples} over all ranks, whatever the node's grid.
     */
    default boolean samplesParallel() {
        return false;
    }

    /** The output placement given the (bound) input placements; by default the first input's grid. */
    default Placement outputPlacement(List<Placement> inputs, Shape out) {
        return inputs.get(0).withShape(out);
    }

    /** Remembers the placements and the rank context before the first forward. */
    void bind(RankContext ctx, List<Placement> inputs, Placement output);

    /** Creates parameters with values drawn from {@code rnd} (the same on every rank). */
    default void init(String name, Random rnd) {
    }

    /** This rank's output block from its input blocks. */
    Tensor forward(List<Tensor> inputs, boolean training);

    /** Input-block gradients from the output-block gradient; adds parameter gradients. */
    List<Tensor> backward(Tensor dy);

    /** Trainable parameters (empty if none). */
    default List<Parameter> parameters() {
        return List.of();
    }

    /** Non-trained state saved with the model (e.g. running averages). */
    default List<Parameter> buffers() {
        return List.of();
    }
}
