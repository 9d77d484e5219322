package org.spatialconv.conv;

/**
 * The local-kernel SPI: what one rank computes on the data it holds. Implementations are found with
 * {@link java.util.ServiceLoader} through {@link BackendProvider} (see {@link Backends}).
 *
 * <p>All tensors are N,C,spatial. Every method takes a {@link Window} so the decomposition can compute the
 * interior of a layer while halos are in flight and the boundary strips after. Semantics:
 * <ul>
 *   <li>{@code convForward}: writes {@code y} (shape from {@link ConvGeometry#outputShape}) inside {@code yWindow}
 *       only, adding {@code bias} (per filter) if non-null.</li>
 *   <li>{@code convBackwardData}: writes {@code dx} inside {@code dxWindow} only (overwrite), each element being
 *       the full sum over every {@code dy} element whose window covers it.</li>
 *   <li>{@code convBackwardFilter}: the weight gradient contributed by the {@code dy} elements inside
 *       {@code dyWindow}; overwrites {@code dw} unless {@code accumulate}.</li>
 *   <li>{@code biasBackward}: sum of {@code dy} over N and the spatial window, per channel; overwrites
 *       {@code db} unless {@code accumulate}.</li>
 * </ul>
 * A backend may hold native resources, so it is {@link AutoCloseable}.
 */
public interface Backend extends AutoCloseable {
    /** Short name, e.g. {@code cpu} or {@code cuda}. */
    String name();

    void convForward(Tensor x, Tensor w, Tensor bias, ConvGeometry g, Tensor y, Window yWindow);

    void convBackwardData(Tensor dy, Tensor w, ConvGeometry g, Tensor dx, Window dxWindow);

    void convBackwardFilter(Tensor x, Tensor dy, ConvGeometry g, Tensor dw, Window dyWindow, boolean accumulate);

    void biasBackward(Tensor dy, Tensor db, Window dyWindow, boolean accumulate);

    /** Forward over the whole output. */
    default void convForward(Tensor x, Tensor w, Tensor bias, ConvGeometry g, Tensor y) {
        convForward(x, w, bias, g, y, Window.full(y.shape()));
    }

    /** Backward-data over the whole input. */
    default void convBackwardData(Tensor dy, Tensor w, ConvGeometry g, Tensor dx) {
        convBackwardData(dy, w, g, dx, Window.full(dx.shape()));
    }

    /** Backward-filter over the whole output gradient, overwriting {@code dw}. */
    default void convBackwardFilter(Tensor x, Tensor dy, ConvGeometry g, Tensor dw) {
        convBackwardFilter(x, dy, g, dw, Window.full(dy.shape()), false);
    }

    /** Bias gradient over the whole output gradient, overwriting {@code db}. */
    default void biasBackward(Tensor dy, Tensor db) {
        biasBackward(dy, db, Window.full(dy.shape()), false);
    }

    /** Releases native resources; the default holds none. */
    @Override
    default void close() {
    }
}
