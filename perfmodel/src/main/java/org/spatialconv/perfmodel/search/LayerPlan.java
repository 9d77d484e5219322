package org.spatialconv.perfmodel.search;

import org.spatialconv.perfmodel.cost.LayerCost;
import org.spatialconv.perfmodel.net.TensorShape;

/**
 * One layer of a plan: its name and type, output shape, chosen grid with its cost, and the time of the shuffles
 * that bring its inputs to that grid (forward and backward).
 */
public record LayerPlan(String name, String type, TensorShape shape, LayerCost cost, double shuffleIn) {
    /** Predicted time attributed to this layer: its own time plus its input shuffles, seconds. */
    public double seconds() {
        return cost.time() + shuffleIn;
    }
}
