package org.spatialconv.perfmodel.machine;

import java.util.Map;

/**
 * Everything the cost model knows about a machine.
 *
 * @param name         profile name
 * @param description  one line
 * @param measured     true if produced by {@code calibrate} on the machine itself
 * @param device       the device of one rank
 * @param intra        link between ranks of one node (bandwidth per rank)
 * @param inter        link between nodes (bandwidth per node, shared by its ranks)
 * @param ranksPerNode ranks per node; rank r lives on node r / ranksPerNode
 * @param convTable    calibrated conv timings (may be empty: roofline fallback)
 * @param sources      where each number comes from, keyed by field path (e.g. "device.peak_flops")
 */
public record MachineProfile(String name, String description, boolean measured, Device device, Link intra,
        Link inter, int ranksPerNode, ConvTable convTable, Map<String, String> sources) {
    /** @throws IllegalArgumentException if ranksPerNode is below 1 */
    public MachineProfile {
        if (ranksPerNode < 1) {
            throw new IllegalArgumentException("profile '" + name + "': ranks_per_node must be >= 1");
        }
        sources = Map.copyOf(sources);
        if (convTable == null) {
            convTable = ConvTable.EMPTY;
        }
    }

    /** The same profile with a different memory capacity (the planner's {@code --memory GiB}). */
    public MachineProfile withMemory(long bytes) {
        Device d = device;
        long reserved = Math.min(d.reservedBytes(), bytes / 2);
        return new MachineProfile(name, description, measured, new Device(d.name(), bytes, reserved,
                d.memoryBandwidth(), d.peakFlops(), d.convEfficiency(), d.kernelOverheadS()), intra, inter,
                ranksPerNode, convTable, sources);
    }

    /** The same profile with another conv table (used by calibration). */
    public MachineProfile withConvTable(ConvTable table) {
        return new MachineProfile(name, description, measured, device, intra, inter, ranksPerNode, table, sources);
    }
}
