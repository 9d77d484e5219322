package org.spatialconv.conv.cuda;

import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Detects JCudnn and JCublas at run time without depending on them: a library counts as usable only when its
 * JCuda binding class is on the class path and its native library loads. They are optional fast paths; nothing
 * in this backend requires them, and no code path selects them yet (selection is to be by measurement).
 */
public final class OptionalLibraries {
    private OptionalLibraries() {
    }

    /** For each optional library, "usable" or why not. */
    public static Map<String, String> report() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("cudnn (jcuda.jcudnn.JCudnn)", probe("jcuda.jcudnn.JCudnn", "cudnnGetVersion"));
        m.put("cublas (jcuda.jcublas.JCublas2)", probe("jcuda.jcublas.JCublas2", "initialize"));
        return m;
    }

    private static String probe(String className, String method) {
        Class<?> c;
        try {
            c = Class.forName(className, false, OptionalLibraries.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return "not on the class path";
        }
        try {
            Method m = c.getMethod(method);
            Object v = m.invoke(null);
            return "usable" + (v == null ? "" : " (" + method + " = " + v + ")");
        } catch (ReflectiveOperationException | LinkageError e) {
            Throwable t = e.getCause() != null ? e.getCause() : e;
            return "native library did not load: " + t;
        }
    }
}
