package org.spatialconv.perfmodel.machine;

import java.util.List;
import java.util.Map;

/**
 * A CPU machine whose cores the ranks on it share (in-JVM ranks are threads of one process). A profile's own conv
 * table, layer rates, bandwidth and conv rate describe one rank running alone with {@link #threadsPerRank} threads;
 * each {@link Level} holds the same measurements taken with several ranks running the same kernels at once, each
 * with its own threads. {@link MachineProfile#sharedBy} picks what applies to a given number of ranks on the host.
 *
 * @param cores          processors of the host
 * @param threadsPerRank threads of the lone rank the profile's own measurements were taken with
 * @param levels         measurements with several ranks at once (any order; may be empty)
 */
public record Host(int cores, int threadsPerRank, List<Level> levels) {
    /** @throws IllegalArgumentException if a count is below 1 or two levels measure the same ranks and threads */
    public Host {
        if (cores < 1 || threadsPerRank < 1) {
            throw new IllegalArgumentException("host: cores and threads_per_rank must be >= 1, got " + cores + ", "
                    + threadsPerRank);
        }
        levels = List.copyOf(levels);
        for (int i = 0; i < levels.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (levels.get(i).ranks() == levels.get(j).ranks()
                        && levels.get(i).threadsPerRank() == levels.get(j).threadsPerRank()) {
                    throw new IllegalArgumentException("host: two levels for " + levels.get(i).ranks()
                            + " ranks x " + levels.get(i).threadsPerRank() + " threads");
                }
            }
        }
    }

    /**
     * Measurements taken with {@code ranks} ranks running at once, {@code threadsPerRank} threads each; every time
     * is one run of all ranks, each on its own copy of the work (first start to last end).
     *
     * @param ranks           ranks that ran at once (at least 2)
     * @param threadsPerRank  threads of each
     * @param memoryBandwidth copy bandwidth of one rank while all copy, bytes/s
     * @param peakFlops       median achieved forward conv rate of one rank, FLOP/s (as {@code device.peak_flops})
     * @param convTable       conv timings of one rank
     * @param layerRates      memory-bound layer rates of one rank (as {@link MachineProfile#layerRates})
     * @param syncS           what one exchange (allreduce, halo) costs a rank beyond its messages while all these
     *                        ranks are busy: waiting for peers that share the cores to be scheduled, seconds
     */
    public record Level(int ranks, int threadsPerRank, double memoryBandwidth, double peakFlops,
            ConvTable convTable, Map<String, Double> layerRates, double syncS) {
        /** @throws IllegalArgumentException if a value is out of range */
        public Level {
            if (ranks < 2 || threadsPerRank < 1 || !(memoryBandwidth > 0) || !(peakFlops > 0)
                    || Double.isInfinite(memoryBandwidth) || Double.isInfinite(peakFlops) || !(syncS >= 0)
                    || Double.isInfinite(syncS)) {
                throw new IllegalArgumentException("host level: ranks must be >= 2, threads >= 1, bandwidth and "
                        + "peak_flops positive, sync_s >= 0 (got " + ranks + ", " + threadsPerRank + ", "
                        + memoryBandwidth + ", " + peakFlops + ", " + syncS + ")");
            }
            convTable = convTable == null ? ConvTable.EMPTY : convTable;
            layerRates = Map.copyOf(layerRates);
        }
    }

    /** Threads per rank that {@code train} and {@code validate} give each of {@code ranks} ranks: cores / ranks, >= 1. */
    public int defaultThreads(int ranks) {
        return Math.max(1, cores / Math.max(1, ranks));
    }

    /**
     * Time of one rank's fixed work with {@code ranks} ranks of {@code threads} threads on this host, relative to one
     * thread alone on a core, under ideal processor sharing: {@code max(1, ranks·threads/cores) / threads} (threads
     * split the work; once the threads outnumber the cores, each runs that much slower). Used only to carry a
     * measured level to rank or thread counts that were not measured.
     */
    public double idealSlowdown(int ranks, int threads) {
        return Math.max(1.0, (double) ranks * threads / cores) / threads;
    }
}
