package org.spatialconv.perfmodel.cost;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.spatialconv.perfmodel.net.TensorShape;
import org.spatialconv.perfmodel.zoo.ModelZoo;

class IdleRanksTest {
    @Test
    void withoutIdleRanksSampleSplitsStopAtTheBatch() {
        TensorShape in = new TensorShape(2, 1, 64, 64);
        CostModel idle = new CostModel(ModelZoo.byName("unet"), in, TestMachines.simple(4, 1L << 34), 4);
        CostModel strict = new CostModel(ModelZoo.byName("unet"), in, TestMachines.simple(4, 1L << 34), 4,
                CostOptions.DEFAULT.withIdleRanks(false));
        assertTrue(idle.valid(0, Grid.samples(4)));
        assertFalse(strict.valid(0, Grid.samples(4)));
        assertTrue(strict.valid(0, new Grid(2, 2, 1)));
        assertNotNull(org.spatialconv.perfmodel.search.Planner.plan(strict).plan());
        org.spatialconv.perfmodel.search.Planner.plan(strict).plan().layers()
                .forEach(l -> assertTrue(l.cost().grid().n() <= 2, l.name()));
    }
}
