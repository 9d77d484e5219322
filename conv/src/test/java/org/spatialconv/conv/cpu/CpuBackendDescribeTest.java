package org.spatialconv.conv.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.BackendProvider;
import org.spatialconv.conv.Backends;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Tensor;

/** Registration, self-description and configuration checks of the CPU backend. */
class CpuBackendDescribeTest {
    @Test
    void registeredUnderCpuAndDescribesItsGemmPath() {
        BackendProvider p = Backends.providers().stream().filter(q -> q.name().equals("cpu")).findFirst()
                .orElseThrow();
        assertTrue(p.available());
        try (CpuBackend b = (CpuBackend) Backends.create("cpu", BackendOptions.threads(2))) {
            assertEquals("cpu", b.name());
            assertEquals(2, b.config().threads());
            String d = b.describe();
            assertTrue(d.startsWith("cpu: im2col+sgemm, ") && (d.contains("native BLAS") || d.contains("Java BLAS")),
                    d);
        }
    }

    @Test
    void rejectsBadConfigurationAndThreeDimensionalGeometry() {
        assertThrows(IllegalArgumentException.class, () -> new CpuConfig(0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new CpuConfig(1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new CpuConfig(1, 1, 0));
        ConvGeometry g3 = new ConvGeometry(new int[] {1, 1, 1}, new int[] {1, 1, 1}, new int[3], new int[3],
                new int[] {1, 1, 1}, 1);
        try (CpuBackend b = new CpuBackend(CpuConfig.defaults(1))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.convForward(
                    Tensor.zeros(1, 1, 2, 2, 2), Tensor.zeros(1, 1, 1, 1, 1), null, g3, Tensor.zeros(1, 1, 2, 2, 2)));
            assertTrue(e.getMessage().contains("2-D"), e.getMessage());
        }
    }

    @Test
    void bandsNeverOverlapForStridedBackwardData() {
        // Stride 2 takes the col2im path, where each band recomputes the dy rows it shares with its neighbours.
        ConvGeometry g = ConvGeometry.square(3, 2, 1, 1, 1);
        Tensor dy = Tensor.zeros(1, 3, 16, 16);
        dy.fill(1f);
        Tensor w = Tensor.zeros(3, 2, 3, 3);
        w.fill(1f);
        Tensor one = Tensor.zeros(1, 2, 31, 31);
        Tensor many = Tensor.zeros(1, 2, 31, 31);
        try (CpuBackend a = new CpuBackend(new CpuConfig(1, 1 << 17, 1));
             CpuBackend b = new CpuBackend(new CpuConfig(4, 50, 8))) {
            a.convBackwardData(dy, w, g, one);
            b.convBackwardData(dy, w, g, many);
        }
        for (int i = 0; i < one.data().length; i++) {
            assertEquals(one.data()[i], many.data()[i], 0f, "element " + i);
        }
        // Input i = 2*o - 1 + r: odd positions are covered by two taps per axis, even ones by one; 3 filters.
        assertEquals(3f * 4f, one.get(0, 0, 1, 1), 0f);
        assertEquals(3f, one.get(0, 0, 2, 2), 0f);
    }
}
