package org.spatialconv.perfmodel.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.spatialconv.perfmodel.machine.Calibration;
import org.spatialconv.perfmodel.machine.ConvTable;
import org.spatialconv.perfmodel.machine.ConvTiming;
import org.spatialconv.perfmodel.machine.Device;
import org.spatialconv.perfmodel.machine.Link;
import org.spatialconv.perfmodel.machine.MachineProfile;
import org.spatialconv.perfmodel.net.ActivationSpec;
import org.spatialconv.perfmodel.net.BatchNormSpec;
import org.spatialconv.perfmodel.net.ConvSpec;
import org.spatialconv.perfmodel.net.DeconvSpec;
import org.spatialconv.perfmodel.net.LayerSpec;
import org.spatialconv.perfmodel.net.LossSpec;
import org.spatialconv.perfmodel.net.NetworkBuilder;
import org.spatialconv.perfmodel.net.NetworkSpec;
import org.spatialconv.perfmodel.net.TensorShape;

/** Memory-bound layers: calibrated per-class rates when the profile has them, bandwidth plus overhead otherwise. */
class MemoryBoundCostTest {
    private static final double REL = 1e-12;
    private static final double OVERHEAD = 1e-5;
    private static final double BN_FWD_RATE = 2e9;
    private static final double BN_BWD_RATE = 4e9;

    private static void close(double expected, double actual) {
        assertEquals(expected, actual, Math.abs(expected) * REL + 1e-18);
    }

    @Test
    void measuredRatesReplaceBandwidthOnlyForTheirClass() {
        // input 1x4x8x8 -> batch norm -> relu -> loss, one rank: 256 elements in and out of each layer
        double n = 4 * 8 * 8;
        CostModel measured = model(Map.of("batch_norm.fwd", BN_FWD_RATE, "batch_norm.bwd", BN_BWD_RATE));
        LayerCost bn = measured.layer(0, Grid.samples(1));
        // batch norm traffic: forward reads x twice and writes y (2 + 1), backward reads x, dy 3 and writes 2
        close((2 * n + n) * 4 / BN_FWD_RATE, bn.fwdCompute()); // 3072 B at 2 GB/s = 1.536 us, no overhead
        close((3 * n + 2 * n) * 4 / BN_BWD_RATE, bn.bwdCompute()); // 5120 B at 4 GB/s = 1.28 us
        // relu has no measured rate: bandwidth plus kernel overhead, as before
        LayerCost relu = measured.layer(1, Grid.samples(1));
        close((n + n) * 4 / TestMachines.MEM_BW + OVERHEAD, relu.fwdCompute());
        close((n + 2 * n) * 4 / TestMachines.MEM_BW + OVERHEAD, relu.bwdCompute());

        // a profile without rates (an old profile) prices batch norm at the bandwidth
        LayerCost old = model(Map.of()).layer(0, Grid.samples(1));
        close(3072 / TestMachines.MEM_BW + OVERHEAD, old.fwdCompute());
        close(5120 / TestMachines.MEM_BW + OVERHEAD, old.bwdCompute());
    }

    @Test
    void convolutionsPayForTheirZeroedTensorsWhenAllocationWasMeasured() {
        // input 1x4x8x8, conv 3x3 pad 1 to 2 channels, one rank: output 128 floats, input gradient 256 floats
        NetworkSpec net = oneLayer(ConvSpec.of(2, 3, 1, 1, false));
        double flops = 2.0 * 2 * 8 * 8 * 4 * 9;
        double alloc = 1e9;
        LayerCost c = new CostModel(net, new TensorShape(1, 4, 8, 8), profile(Map.of("alloc.fwd", alloc)), 1)
                .layer(0, Grid.samples(1));
        close(flops / TestMachines.RATE + OVERHEAD + 128 * 4 / alloc, c.fwdCompute());
        close(2 * (flops / TestMachines.RATE + OVERHEAD) + 256 * 4 / alloc, c.bwdCompute());
        LayerCost none = new CostModel(net, new TensorShape(1, 4, 8, 8), profile(Map.of()), 1)
                .layer(0, Grid.samples(1));
        close(flops / TestMachines.RATE + OVERHEAD, none.fwdCompute());
    }

    @Test
    void transposedConvolutionsAreTimedAsTheConvolutionTheyTranspose() {
        // input 1x4x8x8, 2x2 stride-2 transposed conv to 2 channels: output 1x2x16x16. The engine runs its forward
        // as backward-data of the conv 2 -> 4 channels (2x2, stride 2) whose output is the 8x8 input, and so on.
        NetworkSpec net = oneLayer(DeconvSpec.of(2, 2, 2, 0, false));
        TensorShape in = new TensorShape(1, 4, 8, 8);
        List<Calibration.ConvConfig> cfgs = Calibration.convConfigs(List.of(net), List.of(in));
        assertEquals(1, cfgs.size());
        assertEquals(2, cfgs.get(0).inChannels());
        assertEquals(4, cfgs.get(0).spec().outChannels());
        ConvTable t = new ConvTable(List.of(new ConvTiming("bwd_data", 2, 4, 2, 2, 2, 1, 1, 1, 8, 8, 1e-3),
                new ConvTiming("fwd", 2, 4, 2, 2, 2, 1, 1, 1, 8, 8, 2e-3),
                new ConvTiming("bwd_filter", 2, 4, 2, 2, 2, 1, 1, 1, 8, 8, 3e-3)));
        double alloc = 1e9;
        LayerCost c = new CostModel(net, in, profile(Map.of("alloc.fwd", alloc)).withConvTable(t), 1)
                .layer(0, Grid.samples(1));
        // forward: the table's backward-data, plus the output and a scatter buffer of its size (2x512 floats)
        close(1e-3 + 2 * 512 * 4 / alloc, c.fwdCompute());
        // backward: the table's forward and weight gradient, plus the zeroed input gradient (256 floats)
        close(2e-3 + 256 * 4 / alloc + 3e-3, c.bwdCompute());
        // without a table: the roofline, as before
        double flops = 2.0 * 4 * 8 * 8 * 2 * 4;
        close(flops / TestMachines.RATE + OVERHEAD,
                new CostModel(net, in, profile(Map.of()), 1).layer(0, Grid.samples(1)).fwdCompute());
    }

    /** One layer on a 4-channel input, then an MSE loss. */
    private static NetworkSpec oneLayer(LayerSpec spec) {
        NetworkBuilder b = new NetworkBuilder("one", 4);
        b.add("layer", spec);
        b.add("loss", new LossSpec(LossSpec.Kind.MSE));
        return b.build();
    }

    private static CostModel model(Map<String, Double> rates) {
        NetworkBuilder b = new NetworkBuilder("bn-relu", 4);
        b.add("bn", BatchNormSpec.DEFAULT);
        b.add("relu", ActivationSpec.RELU);
        b.add("loss", new LossSpec(LossSpec.Kind.MSE));
        NetworkSpec net = b.build();
        return new CostModel(net, new TensorShape(1, 4, 8, 8), profile(rates), 1);
    }

    private static MachineProfile profile(Map<String, Double> rates) {
        return new MachineProfile("test", "round numbers", false,
                new Device("test", 1L << 30, 0, TestMachines.MEM_BW, TestMachines.RATE, 1.0, OVERHEAD),
                new Link(TestMachines.ALPHA_INTRA, TestMachines.BW_INTRA),
                new Link(TestMachines.ALPHA_INTER, TestMachines.BW_INTER), 1, ConvTable.EMPTY, Map.of(), rates);
    }
}
