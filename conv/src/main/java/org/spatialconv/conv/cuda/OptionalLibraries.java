package org.spatialconv.conv.cuda;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jcuda.JCudaVersion;

/**
 * Finds out, once per library and without throwing, whether the optional fast paths can be used: cuDNN through
 * JCudnn and cuBLAS through JCublas. A library is usable when its binding's classes are on the class path and its
 * native library loads (which needs libcudnn.so.8, resp. libcublas.so.12, from the machine); cuDNN must also be
 * major version 8, the one JCudnn 11.7 is built for. Only reflection is used here, so a missing jar cannot break
 * this class. Loading a binding's natives is attempted once per JVM (a failed class initialisation is final), so
 * the result is cached.
 */
public final class OptionalLibraries {
    /** Library key of cuDNN. */
    public static final String CUDNN = "cudnn";
    /** Library key of cuBLAS. */
    public static final String CUBLAS = "cublas";

    private static final Map<String, Status> CACHE = new ConcurrentHashMap<>();

    /**
     * @param usable whether the engine built on it may be opened
     * @param detail what was found: versions when usable, otherwise why not
     */
    public record Status(String library, boolean usable, String detail) {
        @Override
        public String toString() {
            return (usable ? "usable: " : "not usable: ") + detail;
        }
    }

    private OptionalLibraries() {
    }

    /** For each optional library, "usable: ..." or "not usable: why". */
    public static Map<String, String> report() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("cudnn (jcuda.jcudnn.JCudnn)", status(CUDNN).toString());
        m.put("cublas (jcuda.jcublas.JCublas2)", status(CUBLAS).toString());
        return m;
    }

    /** The status of {@link #CUDNN} or {@link #CUBLAS} (probed on first call). */
    public static Status status(String library) {
        return switch (library) {
            case CUDNN -> CACHE.computeIfAbsent(CUDNN, k -> probe(k, "jcudnn", "jcuda.jcudnn.JCudnn", "JCudnn",
                    "cudnnGetVersion"));
            case CUBLAS -> CACHE.computeIfAbsent(CUBLAS, k -> probe(k, "jcublas", "jcuda.jcublas.JCublas2", "JCublas2",
                    "initialize"));
            default -> throw new IllegalArgumentException("unknown optional library " + library);
        };
    }

    /** Prints the report, one library a line (used by the GPU bundle). */
    public static void main(String[] args) {
        report().forEach((k, v) -> System.out.println("optional " + k + ": " + v));
    }

    private static Status probe(String library, String artifact, String className, String stem, String initMethod) {
        ClassLoader loader = OptionalLibraries.class.getClassLoader();
        Class<?> c;
        try {
            c = Class.forName(className, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            return new Status(library, false, artifact + " jar not on the class path");
        }
        String version = NativeNameBridge.artifactVersion(c.getClassLoader(), "org.jcuda", artifact);
        String binding = artifact + " " + (version == null ? "(version unknown)" : version) + " on jcuda "
                + JCudaVersion.get();
        String bridged = NativeNameBridge.prepare(c.getClassLoader(), stem, version);
        String note = binding + (bridged.isEmpty() ? "" : "; native " + bridged);
        Object result;
        try {
            Method m = c.getMethod(initMethod);
            result = m.invoke(null);
        } catch (InvocationTargetException e) {
            return new Status(library, false, "native library did not load: " + loadError(e.getCause()) + " (" + note
                    + ")");
        } catch (ReflectiveOperationException | LinkageError e) {
            return new Status(library, false, "native library did not load: " + loadError(e) + " (" + note + ")");
        }
        if (library.equals(CUDNN)) {
            long v = ((Number) result).longValue();
            String cudnn = "cuDNN " + v / 1000 + "." + v % 1000 / 100 + "." + v % 100;
            if (v / 1000 != 8) {
                return new Status(library, false, cudnn + " loaded, but JCudnn 11.7 is built for cuDNN 8 (" + note + ")");
            }
            return new Status(library, true, cudnn + cudartVersion(c) + " (" + note + ")");
        }
        return new Status(library, true, "libcublas.so.12 loaded (" + note + ")");
    }

    private static String cudartVersion(Class<?> jcudnn) {
        try {
            return ", built for CUDA runtime " + jcudnn.getMethod("cudnnGetCudartVersion").invoke(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            return "";
        }
    }

    /** The first line of a loader error plus the dynamic linker's reason buried in JCuda's nested traces. */
    private static String loadError(Throwable t) {
        if (t instanceof ExceptionInInitializerError && t.getCause() != null) {
            t = t.getCause();
        }
        String msg = t.getMessage();
        return t.getClass().getSimpleName() + ": " + CudaProbe.firstLine(msg) + CudaProbe.linkerDetail(msg);
    }
}
