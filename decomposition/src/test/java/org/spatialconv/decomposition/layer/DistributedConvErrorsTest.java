package org.spatialconv.decomposition.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.Window;
import org.spatialconv.decomposition.comm.RankFailedException;
import org.spatialconv.decomposition.comm.jvm.InJvmWorld;
import org.spatialconv.decomposition.grid.ProcessGrid;

/** Bad input gives one clear error; a failing rank fails the whole layer with its cause and nothing hangs. */
class DistributedConvErrorsTest {
    private static final ConvGeometry G = ConvGeometry.square(3, 1, 1, 1, 1);
    private static final Shape X = Shape.nchw(1, 2, 6, 6);
    private static final Shape W = G.weightShape(2, 3);
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Test
    void gridProductMustEqualRankCount() {
        ConvPlan plan = new ConvPlan(ProcessGrid.nhw(1, 2, 2), G, X, W);
        RankFailedException e = assertThrows(RankFailedException.class, () -> InJvmWorld.launch(3, TIMEOUT,
                comm -> new DistributedConv(comm, new ReferenceWindowBackend(), plan, OverlapMode.ON)));
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("has 4 cells but there are 3 ranks"), e.getMessage());
    }

    @Test
    void overSplitDimensionIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ConvPlan(ProcessGrid.nhw(1, 7, 1), G, X, W));
        assertTrue(e.getMessage().contains("into 7 parts but it has only 6 elements"), e.getMessage());
        IllegalArgumentException o = assertThrows(IllegalArgumentException.class,
                () -> new ConvPlan(ProcessGrid.nhw(1, 4, 1), ConvGeometry.square(3, 2, 0, 1, 1), X, W));
        assertTrue(o.getMessage().contains("output dimension 2"), o.getMessage());
        IllegalArgumentException ch = assertThrows(IllegalArgumentException.class,
                () -> new ConvPlan(new ProcessGrid(1, 2, 1, 1), G, X, W));
        assertTrue(ch.getMessage().contains("channel splits"), ch.getMessage());
    }

    @Test
    void mismatchedShapesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ConvPlan(ProcessGrid.nhw(1, 2, 1), G, X, G.weightShape(3, 3)));
        assertTrue(e.getMessage().contains("input channels"), e.getMessage());
        try (DistributedConvRunner run = new DistributedConvRunner(ProcessGrid.nhw(1, 2, 1), G, X, W,
                r -> new ReferenceWindowBackend(), OverlapMode.ON, TIMEOUT)) {
            IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                    () -> run.forward(Tensor.zeros(Shape.nchw(1, 2, 6, 5)), Tensor.zeros(W), null,
                            Tensor.zeros(run.plan().outputShape())));
            assertEquals("input has shape 1x2x6x5, expected 1x2x6x6", f.getMessage());
        }
    }

    @Test
    void aRankWhoseKernelThrowsFailsEveryRank() {
        RankFailedException e = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            try (DistributedConvRunner run = new DistributedConvRunner(ProcessGrid.nhw(1, 2, 2), G, X, W,
                    r -> r == 3 ? new ThrowingBackend() : new ReferenceWindowBackend(), OverlapMode.ON, TIMEOUT)) {
                return assertThrows(RankFailedException.class, () -> run.forward(Tensor.zeros(X), Tensor.zeros(W),
                        null, Tensor.zeros(run.plan().outputShape())));
            }
        });
        assertEquals(3, e.rank());
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    /** A backend whose forward pass fails, to check failure propagation through a distributed layer. */
    private static final class ThrowingBackend extends ForwardingBackend {
        @Override
        public void convForward(Tensor x, Tensor w, Tensor bias, ConvGeometry g, Tensor y, Window yWindow) {
            throw new IllegalStateException("kernel failed on purpose");
        }
    }

    private static class ForwardingBackend implements org.spatialconv.conv.Backend {
        private final ReferenceWindowBackend inner = new ReferenceWindowBackend();

        @Override
        public String name() {
            return "forwarding";
        }

        @Override
        public void convForward(Tensor x, Tensor w, Tensor bias, ConvGeometry g, Tensor y, Window yWindow) {
            inner.convForward(x, w, bias, g, y, yWindow);
        }

        @Override
        public void convBackwardData(Tensor dy, Tensor w, ConvGeometry g, Tensor dx, Window dxWindow) {
            inner.convBackwardData(dy, w, g, dx, dxWindow);
        }

        @Override
        public void convBackwardFilter(Tensor x, Tensor dy, ConvGeometry g, Tensor dw, Window dyWindow,
                boolean accumulate) {
            inner.convBackwardFilter(x, dy, g, dw, dyWindow, accumulate);
        }

        @Override
        public void biasBackward(Tensor dy, Tensor db, Window dyWindow, boolean accumulate) {
            inner.biasBackward(dy, db, dyWindow, accumulate);
        }
    }
}
