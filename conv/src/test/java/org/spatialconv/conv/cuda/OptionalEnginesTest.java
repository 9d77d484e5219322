package org.spatialconv.conv.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The optional fast paths when their libraries are absent, as on every machine without cuDNN 8 / cuBLAS 12: the
 * status says why, no engine opens, nothing throws, selection falls back to the custom kernels, and forcing the
 * missing engine is one clear error. Also with the binding jars removed from the class path altogether.
 */
class OptionalEnginesTest {
    @Test
    void missingNativeLibrariesAreReportedWithTheLinkerReason() {
        OptionalLibraries.report().forEach((k, v) -> System.out.println("optional " + k + ": " + v));
        OptionalLibraries.Status cudnn = OptionalLibraries.status(OptionalLibraries.CUDNN);
        OptionalLibraries.Status cublas = OptionalLibraries.status(OptionalLibraries.CUBLAS);
        assertTrue(cudnn.detail().contains("jcudnn 11.7.0 on jcuda 12.0.0"), cudnn.detail());
        assertTrue(cublas.detail().contains("jcublas 12.0.0 on jcuda 12.0.0"), cublas.detail());
        // JCudnn's own native library must be found (through NativeNameBridge): what may fail is cuDNN itself.
        assertFalse(cudnn.detail().contains("java.library.path"), cudnn.detail());
        assertTrue(cudnn.usable() || cudnn.detail().contains("libcudnn.so.8"), cudnn.detail());
        assertTrue(cublas.usable() || cublas.detail().contains("libcublas.so.12"), cublas.detail());
        assertEquals(cudnn, OptionalLibraries.status(OptionalLibraries.CUDNN), "status is probed once");
        assertThrows(IllegalArgumentException.class, () -> OptionalLibraries.status("cufft"));
    }

    @Test
    void unusableLibrariesOpenNoEngineAndSelectionFallsBack() {
        Assumptions.assumeFalse(OptionalLibraries.status(OptionalLibraries.CUDNN).usable()
                || OptionalLibraries.status(OptionalLibraries.CUBLAS).usable(), "a library is usable here");
        Map<String, ConvEngine> engines = new LinkedHashMap<>();
        Map<String, String> unusable = new LinkedHashMap<>();
        SelectingConv.openOptional(engines, unusable, null, null); // no engine may touch the (absent) context
        assertTrue(engines.isEmpty(), engines.toString());
        assertEquals(OptionalLibraries.status(OptionalLibraries.CUDNN).detail(), unusable.get("cudnn"));
        assertEquals(OptionalLibraries.status(OptionalLibraries.CUBLAS).detail(), unusable.get("cublas"));
        checkFallbackAndForcing(unusable, "libcudnn.so.8");
    }

    @Test
    void bindingJarsAbsentFromTheClassPath() throws Exception {
        URL classes = OptionalLibraries.class.getProtectionDomain().getCodeSource().getLocation();
        try (HidingLoader loader = new HidingLoader(classes, OptionalLibraries.class.getClassLoader())) {
            Class<?> lib = Class.forName(OptionalLibraries.class.getName(), true, loader);
            assertTrue(lib.getClassLoader() == loader, "OptionalLibraries must come from the hiding loader");
            @SuppressWarnings("unchecked")
            Map<String, String> report = (Map<String, String>) lib.getMethod("report").invoke(null);
            assertEquals("not usable: jcudnn jar not on the class path", report.get("cudnn (jcuda.jcudnn.JCudnn)"));
            assertEquals("not usable: jcublas jar not on the class path", report.get("cublas (jcuda.jcublas.JCublas2)"));
            Class<?> sel = Class.forName(SelectingConv.class.getName(), true, loader);
            Method open = sel.getDeclaredMethod("openOptional", Map.class, Map.class,
                    Class.forName(CudaContext.class.getName(), false, loader),
                    Class.forName(CudaOps.class.getName(), false, loader));
            open.setAccessible(true);
            Map<String, Object> engines = new LinkedHashMap<>();
            Map<String, String> unusable = new LinkedHashMap<>();
            open.invoke(null, engines, unusable, null, null);
            assertTrue(engines.isEmpty());
            assertEquals(Map.of("cudnn", "jcudnn jar not on the class path", "cublas", "jcublas jar not on the class path"),
                    unusable);
            checkFallbackAndForcing(unusable, "jcudnn jar not on the class path");
        }
    }

    private static void checkFallbackAndForcing(Map<String, String> unusable, String cudnnReason) {
        EngineSelector<String> auto = new EngineSelector<>("custom", SelectingConv.ENGINES, unusable,
                EngineSelector.Policy.AUTO);
        EngineSelector.Choice c = auto.choose("any problem", new EngineSelector.Trials<>() {
            @Override
            public java.util.Optional<String> unsupported(String engine, String key) {
                throw new AssertionError("unusable engine " + engine + " consulted");
            }

            @Override
            public EngineSelector.Trial run(String engine, String key) {
                throw new AssertionError("trial of " + engine + " with only the custom kernels usable");
            }
        });
        assertEquals("custom", c.engine());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new EngineSelector<String>("custom",
                SelectingConv.ENGINES, unusable, EngineSelector.Policy.parse("cudnn", null)));
        assertTrue(e.getMessage().startsWith("spatialconv.conv.engine=cudnn: engine cudnn is not usable here: ")
                && e.getMessage().contains(cudnnReason), e.getMessage());
        System.out.println("forcing cudnn here: " + e.getMessage().lines().findFirst().orElse(""));
    }

    /**
     * Loads this module's classes itself and hides the JCudnn / JCublas classes and resources, as if their jars
     * were not on the class path.
     */
    private static final class HidingLoader extends URLClassLoader {
        HidingLoader(URL classes, ClassLoader parent) {
            super(new URL[] {classes}, parent);
        }

        private static boolean hidden(String name) {
            String n = name.toLowerCase(java.util.Locale.ROOT);
            return n.contains("jcudnn") || n.contains("jcublas");
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (hidden(name)) {
                throw new ClassNotFoundException(name + " (hidden by the test)");
            }
            if (!name.startsWith("org.spatialconv.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    try {
                        c = findClass(name);
                    } catch (ClassNotFoundException e) {
                        c = super.loadClass(name, false);
                    }
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }

        @Override
        public URL getResource(String name) {
            return hidden(name) ? null : super.getResource(name);
        }

        @Override
        public Enumeration<URL> getResources(String name) throws IOException {
            return hidden(name) ? java.util.Collections.emptyEnumeration() : super.getResources(name);
        }
    }
}
