package org.spatialconv.perfmodel.cli;

import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.Backends;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.decomposition.layer.OverlapMode;

/**
 * The one place where the CLI decides how a layer runs: on a single CPU backend for grid {@code 1,1,1}, and on
 * ranks of the decomposition engine otherwise ({@link #openDistributed}).
 */
public final class LayerExecution {
    /** The backend the CLI runs on. */
    public static final String BACKEND = "cpu";

    private LayerExecution() {
    }

    /**
     * Checks that {@code grid} can split an input of shape {@code x}: no dimension may be cut into more parts
     * than it has elements.
     *
     * @throws UserException naming the dimension
     */
    public static void checkGridFits(GridSpec grid, Shape x) {
        check(grid.n(), x.n(), "samples (N)", grid);
        check(grid.h(), x.h(), "rows (H)", grid);
        check(grid.w(), x.w(), "columns (W)", grid);
    }

    private static void check(int parts, int size, String what, GridSpec grid) {
        if (parts > size) {
            throw new UserException("grid " + grid + " splits " + size + " " + what + " into " + parts
                    + " parts; each part needs at least one element");
        }
    }

    /**
     * Opens an executor for {@code geometry} over {@code grid}, with {@code threads} worker threads (per rank).
     *
     * @throws UserException if the grid cannot run here
     */
    public static LayerExecutor open(ConvGeometry geometry, GridSpec grid, int threads) {
        if (threads < 1) {
            throw new UserException("--threads must be at least 1, got " + threads);
        }
        if (MpjRanks.inRank()) {
            // this process is one MPJ rank of --launch mpj: split over the world communicator
            return new RankLayerExecutor(MpjRanks.world(), geometry, grid, threads);
        }
        if (grid.isSingle()) {
            return new LocalLayerExecutor(Backends.create(BACKEND, BackendOptions.threads(threads)), geometry);
        }
        return openDistributed(geometry, grid, threads);
    }

    /**
     * Runs the layer split over {@code grid} on in-JVM ranks of the decomposition engine: one rank per grid cell,
     * {@code threadsPerRank} backend threads each, halo exchange overlapped with computation.
     */
    static LayerExecutor openDistributed(ConvGeometry geometry, GridSpec grid, int threadsPerRank) {
        return new DistributedLayerExecutor(geometry, grid, threadsPerRank, OverlapMode.ON);
    }
}
