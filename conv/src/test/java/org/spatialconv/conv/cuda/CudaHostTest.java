package org.spatialconv.conv.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUresult;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.BackendProvider;
import org.spatialconv.conv.Backends;

/**
 * Host-side checks that need no GPU: kernel resources, CUresult naming, the probe and the provider's skip path (the
 * optional libraries are checked in OptionalEnginesTest).
 */
class CudaHostTest {
    /** Every kernel the host code launches; each must be in the fatbin's kernel list. */
    static final List<String> LAUNCHED = launched();

    private static List<String> launched() {
        List<String> names = new ArrayList<>(ConvLaunch.gemmKernelNames());
        names.addAll(ConvLaunch.filterKernelNames());
        names.addAll(List.of("sc_splitk_reduce", "sc_bias_grad",
                "sc_pack4", "sc_unpack4", "sc_bias_add", "sc_relu_fwd", "sc_relu_bwd", "sc_bn_stats", "sc_bn_apply",
                "sc_bn_bwd_reduce", "sc_bn_bwd_data", "sc_pool_fwd", "sc_pool_bwd", "sc_sgd_momentum", "sc_adam"));
        return List.copyOf(names);
    }

    private static boolean nvccOnPath() {
        String path = System.getenv("PATH");
        if (path == null || "1".equals(System.getenv("SPATIALCONV_SKIP_CUDA"))) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (new File(dir, "nvcc").canExecute()) {
                return true;
            }
        }
        return false;
    }

    @Test
    void fatbinPresentExactlyWhenBuilt() {
        assertTrue(NativeKernels.buildInfo().isPresent(), "build-info.properties missing: native jar not on class path");
        boolean built = NativeKernels.built();
        assertEquals(built, NativeKernels.fatbin().isPresent(), "fatbin presence disagrees with build-info");
        if (nvccOnPath()) {
            assertTrue(built, "nvcc is on the PATH but the fatbin was not built: " + NativeKernels.missingReason());
        }
        if (!built) {
            System.out.println("fatbin not built here: " + NativeKernels.missingReason());
            assertFalse(NativeKernels.missingReason().isEmpty());
            return;
        }
        byte[] fatbin = NativeKernels.fatbin().orElseThrow();
        // A fatbin starts with the magic 0xBA55ED50 (little-endian).
        int magic = (fatbin[0] & 0xff) | (fatbin[1] & 0xff) << 8 | (fatbin[2] & 0xff) << 16 | (fatbin[3] & 0xff) << 24;
        assertEquals(0xBA55ED50, magic, "not a fatbin");
        List<String> names = NativeKernels.kernelNames();
        List<String> missing = new ArrayList<>(LAUNCHED);
        missing.removeAll(names);
        assertTrue(missing.isEmpty(), "kernels launched by the host but absent from the fatbin: " + missing);
        System.out.println("fatbin: " + fatbin.length + " bytes, " + names.size() + " kernels, all " + LAUNCHED.size()
                + " launched kernels present");
    }

    @Test
    void resultCodesAreNamed() {
        assertEquals("CUDA_ERROR_OUT_OF_MEMORY", CudaCheck.name(CUresult.CUDA_ERROR_OUT_OF_MEMORY));
        assertEquals("CUDA_ERROR_NO_DEVICE", CudaCheck.name(CUresult.CUDA_ERROR_NO_DEVICE));
        CudaCheck.check(CUresult.CUDA_SUCCESS, "nothing");
        CudaException e = assertThrows(CudaException.class,
                () -> CudaCheck.check(CUresult.CUDA_ERROR_INVALID_VALUE, "cuMemAlloc(64)"));
        assertEquals(CUresult.CUDA_ERROR_INVALID_VALUE, e.result());
        assertEquals("CUDA_ERROR_INVALID_VALUE", e.resultName());
        assertTrue(e.getMessage().contains("cuMemAlloc(64)") && e.getMessage().contains("CUDA_ERROR_INVALID_VALUE"),
                e.getMessage());
    }

    @Test
    void providerIsRegisteredAndSkipsCleanlyWithoutGpu() {
        BackendProvider cuda = Backends.providers().stream().filter(p -> p.name().equals("cuda")).findFirst()
                .orElseThrow(() -> new AssertionError("cuda provider not registered"));
        CudaProbe probe = CudaProbe.get();
        assertEquals(probe.available(), cuda.available());
        if (cuda.available()) {
            System.out.println("GPU present: " + probe.devices() + " device(s), driver " + probe.driverVersion());
            return;
        }
        System.out.println("cuda backend unavailable here: " + cuda.unavailableReason());
        assertFalse(cuda.unavailableReason().isBlank());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Backends.create("cuda", BackendOptions.threads(1)));
        assertTrue(e.getMessage().contains(cuda.unavailableReason()), e.getMessage());
        assertThrows(IllegalStateException.class, () -> cuda.create(BackendOptions.threads(1)));
    }
}
