package org.spatialconv.perfmodel.cli;

import java.time.Duration;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.Backends;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.decomposition.grid.ProcessGrid;
import org.spatialconv.decomposition.layer.DistributedConvRunner;
import org.spatialconv.decomposition.layer.OverlapMode;

/**
 * A {@link LayerExecutor} that splits the layer over a grid {@code n,1,h,w} of in-JVM ranks (one per grid cell,
 * each with its own CPU backend of {@code threadsPerRank} workers). Each call scatters the global inputs,
 * runs the distributed pass (halo exchange overlapped with the interior) and gathers the global outputs. The
 * distributed plan is made on the first call and remade only if the shapes change.
 */
final class DistributedLayerExecutor implements LayerExecutor {
    /** How long a rank waits for a peer before failing; generous, since a peer may be computing a large layer. */
    static final Duration TIMEOUT = Duration.ofMinutes(5);

    private final ConvGeometry geometry;
    private final ProcessGrid grid;
    private final int threadsPerRank;
    private final OverlapMode overlap;
    private DistributedConvRunner runner;

    DistributedLayerExecutor(ConvGeometry geometry, GridSpec grid, int threadsPerRank, OverlapMode overlap) {
        this.geometry = geometry;
        this.grid = ProcessGrid.nhw(grid.n(), grid.h(), grid.w());
        this.threadsPerRank = threadsPerRank;
        this.overlap = overlap;
    }

    @Override
    public ConvGeometry geometry() {
        return geometry;
    }

    private DistributedConvRunner runner(Shape x, Shape w) {
        if (runner == null || !runner.plan().inputShape().equals(x) || !runner.plan().weightShape().equals(w)) {
            close();
            try {
                runner = new DistributedConvRunner(grid, geometry, x, w,
                        r -> Backends.create(LayerExecution.BACKEND, BackendOptions.threads(threadsPerRank)), overlap,
                        TIMEOUT);
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage(), e);
            }
        }
        return runner;
    }

    @Override
    public void forward(Tensor x, Tensor w, Tensor bias, Tensor y) {
        runner(x.shape(), w.shape()).forward(x, w, bias, y);
    }

    @Override
    public void backwardData(Tensor dy, Tensor w, Tensor dx) {
        runner(dx.shape(), w.shape()).backwardData(dy, w, dx);
    }

    @Override
    public void backwardFilter(Tensor x, Tensor dy, Tensor dw) {
        runner(x.shape(), dw.shape()).backwardFilter(x, dy, dw, null);
    }

    @Override
    public void biasBackward(Tensor dy, Tensor db) {
        if (runner == null) {
            throw new IllegalStateException("biasBackward needs a preceding pass that fixes the input shape");
        }
        runner.biasBackward(dy, db);
    }

    @Override
    public void close() {
        if (runner != null) {
            runner.close();
            runner = null;
        }
    }
}
