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
 * @param layerRates   measured rates of memory-bound layer classes, bytes/s of the modelled traffic keyed by
 *                     {@link LayerClasses#key} (e.g. "batch_norm.fwd"); classes absent here are priced at
 *                     the device's memory bandwidth
 */
public record MachineProfile(String name, String description, boolean measured, Device device, Link intra,
        Link inter, int ranksPerNode, ConvTable convTable, Map<String, String> sources,
        Map<String, Double> layerRates) {
    /** @throws IllegalArgumentException if ranksPerNode is below 1 */
    public MachineProfile {
        if (ranksPerNode < 1) {
            throw new IllegalArgumentException("profile '" + name + "': ranks_per_node must be >= 1");
        }
        sources = Map.copyOf(sources);
        if (convTable == null) {
            convTable = ConvTable.EMPTY;
        }
        layerRates = layerRates == null ? Map.of() : Map.copyOf(layerRates);
        for (Map.Entry<String, Double> e : layerRates.entrySet()) {
            if (!(e.getValue() > 0) || Double.isInfinite(e.getValue())) {
                throw new IllegalArgumentException("profile '" + name + "': layer_rates." + e.getKey()
                        + " must be a positive number, got " + e.getValue());
            }
        }
    }

    /** A profile without measured layer rates (memory-bound layers at the memory bandwidth). */
    public MachineProfile(String name, String description, boolean measured, Device device, Link intra,
            Link inter, int ranksPerNode, ConvTable convTable, Map<String, String> sources) {
        this(name, description, measured, device, intra, inter, ranksPerNode, convTable, sources, Map.of());
    }

    /**
     * Achieved rate (bytes/s of modelled traffic) of a memory-bound layer class in a pass ("fwd" or "bwd"), or
     * NaN if it was not measured.
     */
    public double layerRate(String layerClass, String pass) {
        Double r = layerRates.get(LayerClasses.key(layerClass, pass));
        return r == null ? Double.NaN : r;
    }

    /** The same profile with a different memory capacity (the planner's {@code --memory GiB}). */
    public MachineProfile withMemory(long bytes) {
        Device d = device;
        long reserved = Math.min(d.reservedBytes(), bytes / 2);
        return new MachineProfile(name, description, measured, new Device(d.name(), bytes, reserved,
                d.memoryBandwidth(), d.peakFlops(), d.convEfficiency(), d.kernelOverheadS()), intra, inter,
                ranksPerNode, convTable, sources, layerRates);
    }

    /** The same profile with another conv table (used by calibration). */
    public MachineProfile withConvTable(ConvTable table) {
        return new MachineProfile(name, description, measured, device, intra, inter, ranksPerNode, table, sources,
                layerRates);
    }
}
