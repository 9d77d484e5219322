package org.spatialconv.decomposition.net;

import org.spatialconv.conv.Backend;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.layers.Threads;
import org.spatialconv.decomposition.comm.Communicator;
import org.spatialconv.decomposition.grid.ProcessGrid;
import org.spatialconv.decomposition.layer.ConvPlan;
import org.spatialconv.decomposition.layer.DistributedConv;
import org.spatialconv.decomposition.layer.OverlapMode;

/**
 * What a rank's layers compute and communicate with: its exchange endpoint, its local convolution backend, the
 * threads its element-wise kernels may use, and whether convolutions overlap their halo exchange with
 * computation ({@link OverlapMode#ON} by default; it applies to layers whose grid splits rows or columns, the
 * others have no halo to hide).
 */
public record RankContext(Exchange exchange, Backend backend, Threads threads, OverlapMode overlap) {
    /** Validates the overlap mode. */
    public RankContext {
        if (overlap == null) {
            throw new IllegalArgumentException("overlap mode must be ON or OFF, got null");
        }
    }

    /** A context with overlap on. */
    public RankContext(Exchange exchange, Backend backend, Threads threads) {
        this(exchange, backend, threads, OverlapMode.ON);
    }

    public int rank() {
        return exchange.rank();
    }

    /**
     * This rank's part of the convolution {@code g} with weights {@code w} of a tensor placed under {@code x}: the
     * decomposition module's {@link DistributedConv} over this group's communicator. On a replicated tensor every
     * rank convolves all of it alone, over the exchange's one-rank communicator.
     */
    DistributedConv conv(Placement x, ConvGeometry g, Shape w) {
        Communicator comm = exchange.communicator();
        ProcessGrid grid;
        if (x.isReplicated()) {
            comm = exchange.alone();
            grid = new ProcessGrid(1, 1, 1, 1);
        } else {
            grid = x.distribution().grid();
        }
        OverlapMode mode = x.splitsSpace() ? overlap : OverlapMode.OFF;
        return new DistributedConv(comm, backend, new ConvPlan(grid, g, x.global(), w), mode);
    }
}
