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
 * @param host         the CPU host the ranks of a node share, or null when every rank has a device of its own
 *                     (GPUs): see {@link #sharedBy}
 */
public record MachineProfile(String name, String description, boolean measured, Device device, Link intra,
        Link inter, int ranksPerNode, ConvTable convTable, Map<String, String> sources,
        Map<String, Double> layerRates, Host host) {
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

    /** A profile with a device per rank (no shared host). */
    public MachineProfile(String name, String description, boolean measured, Device device, Link intra,
            Link inter, int ranksPerNode, ConvTable convTable, Map<String, String> sources,
            Map<String, Double> layerRates) {
        this(name, description, measured, device, intra, inter, ranksPerNode, convTable, sources, layerRates, null);
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
                ranksPerNode, convTable, sources, layerRates, host);
    }

    /** The same profile with another conv table (used by calibration). */
    public MachineProfile withConvTable(ConvTable table) {
        return new MachineProfile(name, description, measured, device, intra, inter, ranksPerNode, table, sources,
                layerRates, host);
    }

    /**
     * What one exchange costs a rank beyond its messages when {@code ranks} ranks share the host, {@code threads}
     * threads each (0: the default): the {@code sync_s} of the level {@link #sharedBy} uses, as measured; 0 for a
     * lone rank and for profiles without a host.
     */
    public double syncSeconds(int ranks, int threads) {
        if (host == null) {
            return 0;
        }
        Host.Level l = level(ranks, threads == 0 ? host.defaultThreads(ranks) : threads);
        return l == null ? 0 : l.syncS();
    }

    /**
     * The measured level for {@code ranks} ranks of {@code t} threads: the one with the most ranks not above
     * {@code ranks}, among those the closest thread count; null for the lone rank of the profile's own numbers.
     */
    private Host.Level level(int ranks, int t) {
        Host.Level best = null;
        for (Host.Level l : host.levels()) {
            int bestRanks = best == null ? 1 : best.ranks();
            int bestThreads = best == null ? host.threadsPerRank() : best.threadsPerRank();
            if (l.ranks() <= ranks && (l.ranks() > bestRanks || l.ranks() == bestRanks
                    && Math.abs(l.threadsPerRank() - t) < Math.abs(bestThreads - t))) {
                best = l;
            }
        }
        return best;
    }

    /** The same profile with another host (null: a device per rank). */
    public MachineProfile withHost(Host h) {
        return new MachineProfile(name, description, measured, device, intra, inter, ranksPerNode, convTable,
                sources, layerRates, h);
    }

    /**
     * What one rank achieves when {@code ranks} ranks share the host, {@code threads} threads each (0: the
     * host's default, {@link Host#defaultThreads}): the profile with the device's bandwidth and conv rate, the conv
     * table and the layer rates of the measured level for exactly that many ranks and threads (the profile's own
     * numbers are the level of one rank with {@link Host#threadsPerRank} threads). Without such a level, the
     * measured level with the most ranks not above {@code ranks} (the closest thread count among those), its
     * times scaled by the ratio of {@link Host#idealSlowdown}. Without a host (a device per rank) the profile
     * itself. The result has no host of its own.
     */
    public MachineProfile sharedBy(int ranks, int threads) {
        if (host == null) {
            return this;
        }
        if (ranks < 1 || threads < 0) {
            throw new IllegalArgumentException("ranks on a host must be >= 1 and threads >= 0, got " + ranks + ", "
                    + threads);
        }
        int t = threads == 0 ? host.defaultThreads(ranks) : threads;
        Host.Level best = level(ranks, t);
        double scale = host.idealSlowdown(ranks, t) / (best == null
                ? host.idealSlowdown(1, host.threadsPerRank()) : host.idealSlowdown(best.ranks(),
                best.threadsPerRank()));
        Map<String, Double> rates = new java.util.LinkedHashMap<>();
        (best == null ? layerRates : best.layerRates()).forEach((k, v) -> rates.put(k, v / scale));
        Device d = new Device(device.name(), device.memoryBytes(), device.reservedBytes(),
                (best == null ? device.memoryBandwidth() : best.memoryBandwidth()) / scale,
                (best == null ? device.peakFlops() : best.peakFlops()) / scale, device.convEfficiency(),
                device.kernelOverheadS());
        return new MachineProfile(name, description, measured, d, intra, inter, ranksPerNode,
                (best == null ? convTable : best.convTable()).scaled(scale), sources, rates, null);
    }
}
