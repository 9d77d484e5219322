package org.spatialconv.conv.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.BackendContractTest;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.Tensor;

/**
 * The optional engines on the emulated cuDNN 8 and cuBLAS 12 (native/src/test/emulate; the surefire execution
 * {@code emulated-fast-paths}, or the GPU bundle's tests with both emulations on the library path): the libraries
 * load through JCudnn's and JCublas2's real natives and are reported usable, and the cuDNN engine keeps only the
 * algorithms it promises. The emulated Find offers, faster than the acceptable one, a non-deterministic algorithm
 * whose results differ from run to run in the last bit, one whose workspace exceeds the device and one that fails;
 * so repeated calls giving bit-identical results (with cuDNN forced for every pass) show that the engine refused
 * them. (The contract itself is CudnnEngineTest / CublasEngineTest in the same run.)
 */
class EmulatedFastPathsTest {
    @BeforeAll
    static void requireEmulatedLibraries() {
        GpuTests.requireEmulated("EmulatedFastPathsTest");
        Assumptions.assumeTrue(OptionalLibraries.status(OptionalLibraries.CUDNN).usable()
                && OptionalLibraries.status(OptionalLibraries.CUBLAS).usable(),
                "the emulated libcudnn.so.8 and libcublas.so.12 are not on the library path (emulated-fast-paths run)");
    }

    @Test
    void emulatedLibrariesLoadThroughTheBindings() {
        OptionalLibraries.Status cudnn = OptionalLibraries.status(OptionalLibraries.CUDNN);
        OptionalLibraries.Status cublas = OptionalLibraries.status(OptionalLibraries.CUBLAS);
        assertTrue(cudnn.usable(), cudnn.toString());
        assertTrue(cudnn.detail().startsWith("cuDNN 8.9.99, built for CUDA runtime 11080"), cudnn.detail());
        assertTrue(cublas.usable(), cublas.toString());
    }

    @Test
    void cudnnEngineIsBitReproducibleOnEveryPass() {
        Random rnd = new Random(20261124L);
        int problems = 0;
        try (CudaBackend b = new CudaBackend(BackendOptions.threads(1), EngineSelector.Policy.parse("cudnn", null))) {
            for (int i = 0; i < 12; i++) {
                BackendContractTest.Case c = BackendContractTest.randomCase(rnd, i);
                float[][] first = passes(b, c);
                float[][] second = passes(b, c);
                for (int p = 0; p < first.length; p++) {
                    assertArrayEquals(first[p], second[p], c + ": pass " + p + " differs between two identical calls");
                }
            }
            for (EngineSelector.Choice choice : b.engines().choices().values()) {
                assertEquals(OptionalLibraries.CUDNN, choice.engine(), choice.describe());
                problems++;
            }
        }
        assertTrue(problems >= 12, "cuDNN ran only " + problems + " problems");
    }

    /** Forward (windowed, with the case's bias), backward-data (windowed) and backward-filter of {@code c}. */
    private static float[][] passes(CudaBackend b, BackendContractTest.Case c) {
        Tensor y = Tensor.zeros(c.ys());
        Tensor dx = Tensor.zeros(c.xs());
        Tensor dw = Tensor.zeros(c.ws());
        b.convForward(c.x(), c.w(), c.bias(), c.g(), y, c.yWin());
        b.convBackwardData(c.dy(), c.w(), c.g(), dx, c.xWin());
        b.convBackwardFilter(c.x(), c.dy(), c.g(), dw);
        return new float[][] {y.data(), dx.data(), dw.data()};
    }
}
