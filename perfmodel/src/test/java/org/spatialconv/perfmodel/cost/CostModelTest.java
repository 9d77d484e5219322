package org.spatialconv.perfmodel.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.spatialconv.perfmodel.net.ConvSpec;
import org.spatialconv.perfmodel.net.DeconvSpec;
import org.spatialconv.perfmodel.net.LossSpec;
import org.spatialconv.perfmodel.net.NetworkBuilder;
import org.spatialconv.perfmodel.net.NetworkSpec;
import org.spatialconv.perfmodel.net.TensorShape;
import org.spatialconv.perfmodel.net.UpsampleSpec;
import org.spatialconv.perfmodel.search.Plan;

class CostModelTest {
    private static final double REL = 1e-12;

    private static void close(double expected, double actual) {
        assertEquals(expected, actual, Math.abs(expected) * REL + 1e-18);
    }

    @Test
    void blocksAreEvenAndOwnersInvert() {
        int checked = 0;
        for (int e = 1; e <= 40; e++) {
            for (int k = 1; k <= 12; k++) {
                int sum = 0;
                for (int i = 0; i < k; i++) {
                    int size = Blocks.size(e, k, i);
                    assertTrue(size == e / k || size == e / k + 1);
                    assertEquals(sum, Blocks.start(e, k, i));
                    for (int x = sum; x < sum + size; x++) {
                        assertEquals(i, Blocks.owner(e, k, x));
                        checked++;
                    }
                    sum += size;
                }
                assertEquals(e, sum);
                assertEquals((e + k - 1) / k, Blocks.max(e, k));
            }
        }
        assertEquals(40 * 41 / 2 * 12, checked);
    }

    @Test
    void haloWidthsFollowTheWindowFormula() {
        // 3x3 pad 1 stride 1, 16 rows in 4 parts: one row each side, one boundary row each side
        Halos.DimHalo h = Halos.halo(ConvSpec.of(1, 3, 1, 1, false), 0, 16, 16, 4);
        assertEquals(new Halos.DimHalo(1, 1, 2, 2, 2), h);
        // 3x3 stride 2 pad 1, 16 -> 8 rows in 2 parts: part 1 outputs [4,8) need inputs [7,15]: one row below,
        // part 0 outputs [0,4) need [-1,7] = its own block [0,8) after clipping
        h = Halos.halo(ConvSpec.of(1, 3, 2, 1, false), 0, 16, 8, 2);
        assertEquals(new Halos.DimHalo(1, 0, 1, 1, 1), h);
        // asymmetric padding (lo 2, hi 0), kernel 3: windows [o-2, o]: halo only below
        ConvSpec asym = new ConvSpec(1, org.spatialconv.perfmodel.net.Hw.of(3), org.spatialconv.perfmodel.net.Hw.of(1),
                org.spatialconv.perfmodel.net.Hw.of(2), org.spatialconv.perfmodel.net.Hw.of(0),
                org.spatialconv.perfmodel.net.Hw.of(1), 1, false);
        h = Halos.halo(asym, 0, 12, 12, 3);
        assertEquals(2, h.lo());
        assertEquals(0, h.hi());
        // dilation 4, pad 4: four rows each side
        h = Halos.halo(ConvSpec.dilated(1, 3, 4, 4, false), 1, 64, 64, 4);
        assertEquals(new Halos.DimHalo(4, 4, 8, 8, 2), h); // 4 boundary rows on each side of a middle part
        // 2x2 stride-2 transposed conv and 2x2 stride-2 windows need no halo
        assertEquals(0, Halos.halo(DeconvSpec.of(1, 2, 2, 0, false), 0, 8, 16, 4).total());
        // bilinear x2, 8 -> 16 in 2 parts: part 0 needs inputs [-1, 4] (one above), part 1 [3, 8] (one below)
        h = Halos.halo(new UpsampleSpec(UpsampleSpec.Mode.BILINEAR, 2), 0, 8, 16, 2);
        assertEquals(new Halos.DimHalo(1, 1, 1, 1, 1), h);
        assertEquals(0, Halos.halo(new UpsampleSpec(UpsampleSpec.Mode.NEAREST, 2), 0, 8, 16, 2).total());
    }

    @Test
    void allreduceIsTheRingFormula() {
        CostModel m = model(4, 2);
        // 4 ranks over 2 nodes: across nodes, beta = 1 / min(intra, inter node bandwidth)
        double expected = 2 * 2 * TestMachines.ALPHA_INTER + 2.0 * 3 / 4 * 1000 / TestMachines.BW_INTER;
        close(expected, m.allreduce(1000));
        close(0, m.allreduce(0));
        CostModel one = model(4, 4);
        close(2 * 2 * TestMachines.ALPHA_INTRA + 2.0 * 3 / 4 * 1000 / TestMachines.BW_INTRA, one.allreduce(1000));
    }

    @Test
    void convCostByHand() {
        // input 1x2x8x8, conv 3x3 pad 1 to 4 channels, 2 ranks split over rows, both on one node
        CostModel m = model(2, 2);
        Grid rows = new Grid(1, 2, 1);
        LayerCost c = m.layer(0, rows);
        double flops = 2.0 * 1 * 4 * 4 * 8 * 2 * 9; // n K h_local w_local C kh kw
        close(flops / TestMachines.RATE, c.fwdCompute());
        close(2 * flops / TestMachines.RATE, c.bwdCompute());
        long haloBytes = 1L * 2 * 1 * 8 * 4; // one row of 8 columns, 2 channels, float32
        assertEquals(haloBytes, c.haloBytes());
        double halo = TestMachines.ALPHA_INTRA + haloBytes / TestMachines.BW_INTRA + 2.0 * haloBytes
                / TestMachines.MEM_BW;
        close(halo, c.haloFwd());
        double tc = flops / TestMachines.RATE;
        double fwd = Math.max(0.75 * tc, halo) + 0.25 * tc; // 3 of 4 local output rows are interior
        close(fwd, c.fwd());
        close(fwd + tc, c.bwd()); // bwd-data overlapped like forward, then bwd-filter
        close(0, c.collective());
        assertEquals((4L * 2 * 9 + 4) * 4, c.gradBytes()); // weights and bias
        assertEquals(4L * 4 * 8 * 4 + haloBytes, c.keptBytes());
        // sample-parallel on 2 ranks with one sample: one rank does everything, no halo
        LayerCost s = m.layer(0, Grid.samples(2));
        close(2.0 * 4 * 8 * 8 * 2 * 9 / TestMachines.RATE, s.fwd());
        assertEquals(0, s.haloBytes());
    }

    @Test
    void trainerStepByHand() {
        // conv 2 -> 4 channels 3x3 with bias: 76 parameters
        CostModel one = new CostModel(model(1, 1).network(), new TensorShape(1, 2, 8, 8),
                TestMachines.simple(1, 1L << 30), 1, CostOptions.DEFAULT.withTrainerStep(true));
        assertEquals(76, one.params());
        // one rank: no gradient exchange; SGD reads w, g, v (12 B) and writes w, v (8 B), then zeroes g (4 B)
        close(76 * 24.0 / TestMachines.MEM_BW, one.trainerStepSeconds());
        // two ranks: pack 20 B, allocate the sum 8 B, add both arrays 2 x 24 B, copy back 16 B, unpack 12 B
        CostModel two = new CostModel(model(1, 1).network(), new TensorShape(1, 2, 8, 8),
                TestMachines.simple(2, 1L << 30), 2, CostOptions.DEFAULT.withTrainerStep(true));
        close(76 * (24.0 + 20 + 8 + 48 + 16 + 12) / TestMachines.MEM_BW, two.trainerStepSeconds());
        // the plan adds it whole (nothing overlapped) in place of the bucketed allreduce
        Plan p = Plan.uniform(two, new Grid(1, 2, 1));
        close(p.objective() + two.trainerStepSeconds(), p.iterationSeconds());
        Plan overlapped = Plan.uniform(model(2, 2), new Grid(1, 2, 1));
        close(overlapped.objective(), p.objective());
    }

    @Test
    void shuffleCostByHand() {
        CostModel m = model(2, 2);
        TensorShape t = new TensorShape(2, 3, 4, 4);
        // rows -> cols on 2 ranks: each rank keeps a quarter-plane per sample block (2 of 8 rows*cols... ) and
        // moves the other half: own 2*3*2*4 elements, keep 2*3*2*2, move 2*3*2*2 = 24 floats = 96 bytes
        double moved = 96;
        double expected = 2 * (TestMachines.ALPHA_INTRA + moved / TestMachines.BW_INTRA
                + 2 * moved / TestMachines.MEM_BW);
        close(expected, m.shuffle(t, new Grid(1, 2, 1), new Grid(1, 1, 2)));
        close(0, m.shuffle(t, new Grid(1, 2, 1), new Grid(1, 2, 1)));
    }

    @Test
    void validityRules() {
        CostModel m = model(4, 4);
        assertTrue(m.valid(0, new Grid(4, 1, 1)), "more sample parts than samples: ranks idle");
        assertTrue(m.valid(0, new Grid(1, 2, 2)));
        assertFalse(m.valid(0, new Grid(1, 1, 8)), "wrong size");
        CostModel wide = model(16, 16);
        assertFalse(wide.valid(0, new Grid(1, 16, 1)), "8 rows cannot be split 16 ways");
        assertNull(wide.layer(0, new Grid(1, 16, 1)));
        assertEquals(List.of(new Grid(1, 1, 2), new Grid(1, 2, 1), new Grid(2, 1, 1)), Grid.factorizations(2));
        assertEquals(66, Grid.factorizations(1024).size());
    }

    private static CostModel model(int ranks, int ranksPerNode) {
        NetworkBuilder b = new NetworkBuilder("one-conv", 2);
        b.add("conv", ConvSpec.of(4, 3, 1, 1, true));
        b.add("loss", new LossSpec(LossSpec.Kind.MSE));
        NetworkSpec net = b.build();
        return new CostModel(net, new TensorShape(1, 2, 8, 8), TestMachines.simple(ranksPerNode, 1L << 30), ranks);
    }
}
