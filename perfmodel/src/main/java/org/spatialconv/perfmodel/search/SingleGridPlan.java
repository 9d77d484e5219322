package org.spatialconv.perfmodel.search;

import org.spatialconv.perfmodel.cost.Grid;

/**
 * The plan with {@code grid} for every layer that can take it; the others fall back as {@link Plan#uniform} says.
 * The planner weighs its per-layer plan against these, and {@code plan} explains its choice with them.
 */
public record SingleGridPlan(Grid grid, Plan plan) {
    /** Layers on a fallback grid because they cannot take {@code grid}. */
    public long fallbacks() {
        return plan.layers().stream().filter(l -> !l.cost().grid().equals(grid)).count();
    }
}
