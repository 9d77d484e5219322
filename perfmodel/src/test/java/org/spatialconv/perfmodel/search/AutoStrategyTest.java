package org.spatialconv.perfmodel.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.spatialconv.perfmodel.cost.CostOptions;
import org.spatialconv.perfmodel.machine.Profiles;
import org.spatialconv.perfmodel.net.TensorShape;
import org.spatialconv.perfmodel.zoo.ModelZoo;

class AutoStrategyTest {
    @Test
    void meshnetOnLassenNeedsASpatialGrid() {
        AutoStrategy.Choice c = AutoStrategy.choose(ModelZoo.byName("meshnet"), new TensorShape(1, 18, 2048, 2048),
                8, Profiles.builtIn("lassen"), CostOptions.DEFAULT);
        assertEquals(8, c.grid().size());
        assertTrue(c.grid().h() * c.grid().w() > 1, "one sample does not fit a V100: " + c.grid());
        assertTrue(c.perLayer().iterationSeconds() <= c.uniform().iterationSeconds() * (1 + 1e-9));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AutoStrategy.choose(
                ModelZoo.byName("meshnet"), new TensorShape(1, 18, 2048, 2048), 1, Profiles.builtIn("lassen"),
                CostOptions.DEFAULT));
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
    }
}
