package org.spatialconv.perfmodel.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.spatialconv.perfmodel.machine.Device;
import org.spatialconv.perfmodel.machine.Link;
import org.spatialconv.perfmodel.machine.MachineProfile;
import org.spatialconv.perfmodel.machine.ConvTable;

/** A layer without an exchange of its own is priced at the own-run rate where the profile has one. */
class OwnRateTest {
    @Test
    void ownRateOnlyWhenAskedAndPresent() {
        MachineProfile p = new MachineProfile("t", "t", true,
                new Device("d", 1L << 30, 0, 1e10, 1e11, 1, 0), new Link(1e-6, 1e10), new Link(1e-6, 1e10), 1,
                ConvTable.EMPTY, Map.of(), Map.of("activation.fwd", 1e9, "activation.fwd.own", 4e9), null);
        double span = LayerCostCalculator.memoryBound(p, "activation", 1, "fwd", 1e6, 1e6);
        double own = LayerCostCalculator.memoryBound(p, "activation", 1, "fwd", 1e6, 1e6, true);
        assertEquals(span / 4, own, span * 1e-12);
        // a class without an own-run rate falls back to its rate
        MachineProfile noOwn = new MachineProfile("t", "t", true, p.device(), p.intra(), p.inter(), 1,
                ConvTable.EMPTY, Map.of(), Map.of("activation.fwd", 1e9), null);
        assertEquals(span, LayerCostCalculator.memoryBound(noOwn, "activation", 1, "fwd", 1e6, 1e6, true), 0);
    }
}
