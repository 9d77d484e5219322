package org.spatialconv.perfmodel.cli;

import org.spatialconv.conv.Backend;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Tensor;

/** A {@link LayerExecutor} on one backend instance (grid {@code 1,1,1}). */
final class LocalLayerExecutor implements LayerExecutor {
    private final Backend backend;
    private final ConvGeometry geometry;

    LocalLayerExecutor(Backend backend, ConvGeometry geometry) {
        this.backend = backend;
        this.geometry = geometry;
    }

    @Override
    public ConvGeometry geometry() {
        return geometry;
    }

    @Override
    public void forward(Tensor x, Tensor w, Tensor bias, Tensor y) {
        backend.convForward(x, w, bias, geometry, y);
    }

    @Override
    public void backwardData(Tensor dy, Tensor w, Tensor dx) {
        backend.convBackwardData(dy, w, geometry, dx);
    }

    @Override
    public void backwardFilter(Tensor x, Tensor dy, Tensor dw) {
        backend.convBackwardFilter(x, dy, geometry, dw);
    }

    @Override
    public void biasBackward(Tensor dy, Tensor db) {
        backend.biasBackward(dy, db);
    }

    @Override
    public void close() {
        backend.close();
    }
}
