package org.spatialconv.perfmodel.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.spatialconv.perfmodel.machine.ConvTable;
import org.spatialconv.perfmodel.machine.ConvTiming;
import org.spatialconv.perfmodel.machine.Host;
import org.spatialconv.perfmodel.machine.MachineProfile;
import org.spatialconv.perfmodel.machine.Profiles;
import org.spatialconv.perfmodel.net.ActivationSpec;
import org.spatialconv.perfmodel.net.ConvSpec;
import org.spatialconv.perfmodel.net.LossSpec;
import org.spatialconv.perfmodel.net.NetworkBuilder;
import org.spatialconv.perfmodel.net.NetworkSpec;
import org.spatialconv.perfmodel.net.TensorShape;

/** Ranks sharing a CPU host: the measured level for the rank and thread count, or one carried there by the ideal rule. */
class HostSharingTest {
    private static final double REL = 1e-12;
    /** conv 2 -> 4 channels, 3x3, fwd, at 4x8 local outputs (rows split in two). */
    private static final String KEY = ConvTiming.key("fwd", 2, 4, 3, 3, 1, 1, 1);
    private static final double ALONE_S = 1e-3;
    private static final double TWO_S = 3e-3;
    private static final double FOUR_S = 7e-3;
    private static final double RELU_ALONE = 8e9;
    private static final double RELU_TWO = 2e9;
    private static final double SYNC_TWO = 1e-4;
    private static final double SYNC_FOUR = 4e-3;

    private static void close(double expected, double actual) {
        assertEquals(expected, actual, Math.abs(expected) * REL);
    }

    private static ConvTable table(double seconds) {
        return new ConvTable(List.of(new ConvTiming("fwd", 2, 4, 3, 3, 1, 1, 1, 1, 4, 8, seconds)));
    }

    /** 2 cores; alone with 2 threads; levels 2 ranks x 1 thread and 4 ranks x 1 thread, 4 ranks per node. */
    private static MachineProfile host() {
        MachineProfile base = TestMachines.simple(4, 1L << 30).withConvTable(table(ALONE_S));
        base = new MachineProfile(base.name(), base.description(), true, base.device(), base.intra(), base.inter(),
                base.ranksPerNode(), base.convTable(), base.sources(), Map.of("activation.fwd", RELU_ALONE));
        return base.withHost(new Host(2, 2, List.of(
                new Host.Level(2, 1, TestMachines.MEM_BW / 2, TestMachines.RATE / 3, table(TWO_S),
                        Map.of("activation.fwd", RELU_TWO), SYNC_TWO),
                new Host.Level(4, 1, TestMachines.MEM_BW / 5, TestMachines.RATE / 7, table(FOUR_S), Map.of(),
                        SYNC_FOUR))));
    }

    @Test
    void measuredLevelsAreUsedAsTheyAre() {
        MachineProfile p = host();
        MachineProfile alone = p.sharedBy(1, 0); // default threads for 1 rank on 2 cores: 2, as measured
        close(ALONE_S, alone.convTable().seconds(KEY, 32));
        close(TestMachines.RATE, alone.device().peakFlops());
        MachineProfile two = p.sharedBy(2, 0); // 1 thread each
        close(TWO_S, two.convTable().seconds(KEY, 32));
        close(TestMachines.MEM_BW / 2, two.device().memoryBandwidth());
        close(TestMachines.RATE / 3, two.device().peakFlops());
        close(RELU_TWO, two.layerRate("activation", "fwd"));
        close(FOUR_S, p.sharedBy(4, 1).convTable().seconds(KEY, 32));
        assertTrue(Double.isNaN(p.sharedBy(4, 1).layerRate("activation", "fwd")), "level 4 measured no rates");
        assertEquals(null, two.host());
        // memory, links and node size are the profile's own
        assertEquals(p.device().memoryBytes(), two.device().memoryBytes());
        assertEquals(p.intra(), two.intra());
        // a device per rank (GPU profiles): nothing changes
        MachineProfile gpu = Profiles.builtIn("lassen");
        assertSame(gpu, gpu.sharedBy(4, 0));
    }

    @Test
    void unmeasuredCountsScaleTheClosestLevelBelowByIdealSharing() {
        MachineProfile p = host();
        // 3 ranks x 1 thread on 2 cores: level 2 (1 thread each, no core oversubscribed: slowdown 1)
        // times max(1, 3/2) / 1 = 1.5
        close(1.5 * TWO_S, p.sharedBy(3, 0).convTable().seconds(KEY, 32));
        close(RELU_TWO / 1.5, p.sharedBy(3, 0).layerRate("activation", "fwd"));
        // 8 ranks: level 4 (slowdown 4/2 = 2) carried to 8/2 = 4: twice the time
        close(2 * FOUR_S, p.sharedBy(8, 0).convTable().seconds(KEY, 32));
        close(TestMachines.RATE / 7 / 2, p.sharedBy(8, 0).device().peakFlops());
        // one rank with one thread: alone (slowdown 1/2 with 2 threads) carried to 1/1: twice the time
        close(2 * ALONE_S, p.sharedBy(1, 1).convTable().seconds(KEY, 32));
        // 2 ranks with 2 threads each on 2 cores: level 2 (1 thread, slowdown 1) to max(1, 4/2) / 2 = 1
        close(TWO_S, p.sharedBy(2, 2).convTable().seconds(KEY, 32));
        assertThrows(IllegalArgumentException.class, () -> p.sharedBy(0, 0));
        Host h = p.host();
        assertEquals(2, h.defaultThreads(1));
        assertEquals(1, h.defaultThreads(3));
        close(0.5, h.idealSlowdown(1, 2));
        close(3.0, h.idealSlowdown(6, 1));
    }

    @Test
    void costModelPricesEachRankAtTheSharedRate() {
        NetworkBuilder b = new NetworkBuilder("conv-relu", 2);
        b.add("conv", ConvSpec.of(4, 3, 1, 1, false));
        b.add("relu", ActivationSpec.RELU);
        b.add("loss", new LossSpec(LossSpec.Kind.MSE));
        NetworkSpec net = b.build();
        TensorShape in = new TensorShape(1, 2, 8, 8);
        Grid rows = new Grid(1, 2, 1);
        CostModel two = new CostModel(net, in, host(), 2);
        close(TWO_S, two.layer(0, rows).fwdCompute()); // the level-2 table at 4x8 local outputs
        // the conv exchanges halos forward and backward: two waits for the peers, the level's sync time each
        close(2 * SYNC_TWO, two.layer(0, rows).collective());
        close(0, two.layer(1, rows).collective()); // relu exchanges nothing
        close(0, new CostModel(net, in, host(), 1).layer(0, Grid.samples(1)).collective());
        double relu = 2.0 * 4 * 4 * 8 * 4; // read 4x4x8 floats, write as many
        close(relu / RELU_TWO, two.layer(1, rows).fwdCompute());
        // told 2 threads per rank (validate --threads 2): level 2 carried to 2 threads, same slowdown here
        CostModel twoThreads = new CostModel(net, in, host(), 2, CostOptions.DEFAULT.withThreadsPerRank(2));
        close(TWO_S, twoThreads.layer(0, rows).fwdCompute());
        // a node of 4 ranks holds at most 4: 8 ranks are two hosts of 4, at the level-4 rate
        CostModel eight = new CostModel(net, new TensorShape(1, 2, 16, 16), host(), 8);
        close(FOUR_S, eight.layer(0, new Grid(1, 4, 2)).fwdCompute());
        close(SYNC_FOUR, host().syncSeconds(8, 0)); // the level used, as measured
        close(0, host().syncSeconds(1, 0));
        close(0, Profiles.builtIn("lassen").syncSeconds(4, 0));
    }

    @Test
    void hostRoundTripsAndBadHostsAreOneError() {
        MachineProfile p = host();
        MachineProfile back = Profiles.parse(Profiles.write(p), "test");
        assertEquals(p.host().cores(), back.host().cores());
        assertEquals(p.host().threadsPerRank(), back.host().threadsPerRank());
        assertEquals(2, back.host().levels().size());
        Host.Level l = back.host().levels().get(0);
        assertEquals(2, l.ranks());
        close(TestMachines.RATE / 3, l.peakFlops());
        close(SYNC_TWO, l.syncS());
        assertEquals(p.host().levels().get(0).convTable().entries(), l.convTable().entries());
        assertEquals(Map.of("activation.fwd", RELU_TWO), l.layerRates());
        close(TWO_S, back.sharedBy(2, 0).convTable().seconds(KEY, 32));
        // the built-in CPU defaults share this machine's cores, one thread per rank measured
        Host cpu = Profiles.builtIn("cpu-local").host();
        assertEquals(Runtime.getRuntime().availableProcessors(), cpu.cores());
        assertEquals(1, cpu.threadsPerRank());
        String text = Profiles.write(p);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Profiles.parse(text.replaceFirst("\"ranks\" : 2", "\"ranks\" : 1"), "x.json"));
        assertTrue(e.getMessage().startsWith("machine profile x.json, host, shared[0]: "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Profiles.parse(text.replaceFirst("\"peak_flops\" : 3", "\"peak\" : 3"), "x.json"));
        assertTrue(e.getMessage().contains("peak_flops"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Profiles.parse(text.replace("\"cores\" : 2", "\"cores\" : 0"), "x.json"));
        assertTrue(e.getMessage().startsWith("machine profile x.json, host: "), e.getMessage());
    }
}
