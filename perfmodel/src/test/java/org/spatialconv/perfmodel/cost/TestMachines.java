package org.spatialconv.perfmodel.cost;

import java.util.Map;
import org.spatialconv.perfmodel.machine.ConvTable;
import org.spatialconv.perfmodel.machine.Device;
import org.spatialconv.perfmodel.machine.Link;
import org.spatialconv.perfmodel.machine.MachineProfile;

/** Round-number machines for hand-computed expectations. */
public final class TestMachines {
    /** Peak 1e9 FLOP/s at efficiency 1, no kernel overhead. */
    public static final double RATE = 1e9;
    /** Memory bandwidth, bytes/s. */
    public static final double MEM_BW = 1e10;
    /** Intra-node latency and bandwidth. */
    public static final double ALPHA_INTRA = 1e-6;
    public static final double BW_INTRA = 1e9;
    /** Inter-node latency and per-node bandwidth. */
    public static final double ALPHA_INTER = 1e-5;
    public static final double BW_INTER = 1e8;

    private TestMachines() {
    }

    /** A machine with {@code ranksPerNode} ranks per node and {@code memory} bytes per rank (none reserved). */
    public static MachineProfile simple(int ranksPerNode, long memory) {
        return new MachineProfile("test", "round numbers", false,
                new Device("test", memory, 0, MEM_BW, RATE, 1.0, 0.0), new Link(ALPHA_INTRA, BW_INTRA),
                new Link(ALPHA_INTER, BW_INTER), ranksPerNode, ConvTable.EMPTY, Map.of());
    }
}
