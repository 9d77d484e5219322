package org.spatialconv.perfmodel.search;

import org.spatialconv.perfmodel.cost.CostModel;
import org.spatialconv.perfmodel.cost.CostOptions;
import org.spatialconv.perfmodel.cost.Grid;
import org.spatialconv.perfmodel.machine.MachineProfile;
import org.spatialconv.perfmodel.net.NetworkSpec;
import org.spatialconv.perfmodel.net.TensorShape;

/**
 * The planner for trainers ({@code train --strategy auto}): the per-layer plan, and the best single grid for
 * trainers that run every spatial layer on one grid (layers without spatial extent go sample-parallel).
 */
public final class AutoStrategy {
    private AutoStrategy() {
    }

    /**
     * A choice.
     *
     * @param grid     fastest fitting uniform grid that splits samples at most N ways (trainers give every rank
     *                 at least one sample along the sample split)
     * @param uniform  its evaluated plan
     * @param perLayer the per-layer plan (never slower than {@code uniform} by the model)
     */
    public record Choice(Grid grid, Plan uniform, Plan perLayer) {
    }

    /**
     * Plans {@code net} at {@code input} on {@code ranks} ranks of {@code machine}.
     *
     * @throws IllegalArgumentException if no plan fits (the message says how much memory is missing and where)
     */
    public static Choice choose(NetworkSpec net, TensorShape input, int ranks, MachineProfile machine,
            CostOptions options) {
        CostModel m = new CostModel(net, input, machine, ranks, options);
        Planner.Result r = Planner.plan(m);
        Plan best = r.singleGridPlans().stream().filter(x -> x.grid().n() <= input.n() && x.plan().fits())
                .map(SingleGridPlan::plan).findFirst().orElse(null);
        if (!r.fits() || best == null) {
            throw new IllegalArgumentException(net.name() + " at " + input + " on " + ranks + " ranks: "
                    + (r.fits() ? "no single grid fits" : r.reason()));
        }
        return new Choice(best.inputGrid(), best, r.plan());
    }
}
