package org.spatialconv.conv.cuda;

import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;

import jcuda.driver.CUresult;

/**
 * Finds out, once and without throwing, whether the CUDA backend can run here: the fatbin is on the class path,
 * JCuda's driver binding loads (it needs libcuda.so.1, i.e. an NVIDIA driver), {@code cuInit} succeeds and at
 * least one device exists.
 *
 * @param available whether all of that holds
 * @param reason    why not (empty when available)
 * @param devices   number of devices (0 when unavailable)
 * @param driverVersion the driver's CUDA version, e.g. 12040, or 0
 */
public record CudaProbe(boolean available, String reason, int devices, int driverVersion) {
    private static volatile CudaProbe cached;

    /** The probe result (computed on first call). */
    public static CudaProbe get() {
        CudaProbe p = cached;
        if (p == null) {
            synchronized (CudaProbe.class) {
                p = cached;
                if (p == null) {
                    p = run();
                    cached = p;
                }
            }
        }
        return p;
    }

    private static CudaProbe run() {
        String missing = NativeKernels.missingReason();
        if (!missing.isEmpty()) {
            return new CudaProbe(false, missing, 0, 0);
        }
        try {
            int r = cuInit(0);
            if (r != CUresult.CUDA_SUCCESS) {
                return new CudaProbe(false, "cuInit failed: " + CudaCheck.name(r) + " (no usable NVIDIA driver/GPU)", 0, 0);
            }
            int[] v = new int[1];
            CudaCheck.check(cuDriverGetVersion(v), "cuDriverGetVersion");
            int[] n = new int[1];
            CudaCheck.check(cuDeviceGetCount(n), "cuDeviceGetCount");
            if (n[0] == 0) {
                return new CudaProbe(false, "no CUDA device found", 0, v[0]);
            }
            return new CudaProbe(true, "", n[0], v[0]);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            return new CudaProbe(false, "JCuda driver binding did not load (NVIDIA driver, libcuda.so.1, missing?): "
                    + firstLine(e.getMessage()) + linkerDetail(e.getMessage()), 0, 0);
        } catch (RuntimeException e) {
            return new CudaProbe(false, "CUDA initialisation failed: " + firstLine(e.toString()), 0, 0);
        }
    }

    /** JCuda's loader buries the dynamic linker's reason (e.g. libcuda.so.1 missing) in nested stack traces. */
    static String linkerDetail(String message) {
        if (message == null) {
            return "";
        }
        for (String line : message.split("\n")) {
            int i = line.indexOf("cannot open shared object file");
            if (i >= 0) {
                String head = line.substring(0, i);
                int lib = head.lastIndexOf(": ", head.length() - 3);
                return "; " + line.substring(lib < 0 ? 0 : lib + 2).trim();
            }
        }
        return "";
    }

    static String firstLine(String s) {
        if (s == null) {
            return "(no message)";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
