package org.spatialconv.conv.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Properties;
import jcuda.JCudaVersion;
import jcuda.LibUtils;

/**
 * Lets a JCuda binding of another version than the core jcuda jar find its native library.
 *
 * <p>A binding's loader asks for {@code <Stem>-<JCuda version>-<os>-<arch>}, taking the version from the core jar
 * ({@code jcuda.JCudaVersion}), not its own. JCudnn 11.7.0 beside jcuda 12.0.0 therefore asks for
 * {@code libJCudnn-12.0.0-linux-x86_64.so}, which no artifact ships; its natives jar holds
 * {@code lib/libJCudnn-11.7.0-linux-x86_64.so}. JCuda's loader tries {@code java.library.path}, then extracts
 * {@code lib/<file>} from the class path to {@code java.io.tmpdir/<file>} unless that file already exists, and
 * loads it. So before the binding's class is initialised, this writes the shipped library to that temporary path
 * under the asked-for name (atomically, only when absent: an existing file with other contents is left alone and
 * reported). The library's own dependencies (libcudnn.so.8) are unchanged.
 */
final class NativeNameBridge {
    private NativeNameBridge() {
    }

    /**
     * Prepares {@code stem}'s native library for a binding of {@code bindingVersion}; returns what was done (empty
     * when nothing was needed) or why it could not be done (the binding's own loader error will then follow).
     */
    static String prepare(ClassLoader loader, String stem, String bindingVersion) {
        String core = JCudaVersion.get();
        if (bindingVersion == null || bindingVersion.equals(core)) {
            return "";
        }
        String wanted = LibUtils.createLibraryFileName(LibUtils.createPlatformLibraryName(stem + "-" + core));
        String shipped = LibUtils.createLibraryFileName(LibUtils.createPlatformLibraryName(stem + "-" + bindingVersion));
        if (loader.getResource("lib/" + wanted) != null) {
            return "";
        }
        URL source = loader.getResource("lib/" + shipped);
        if (source == null) {
            return "no lib/" + shipped + " on the class path (natives jar for this platform missing)";
        }
        Path target = Path.of(System.getProperty("java.io.tmpdir"), wanted);
        try {
            byte[] bytes;
            try (InputStream in = source.openStream()) {
                bytes = in.readAllBytes();
            }
            if (Files.exists(target)) {
                return Arrays.equals(Files.readAllBytes(target), bytes) ? shipped + " as " + target
                        : target + " exists with other contents; JCuda loads it as it is";
            }
            Path part = Files.createTempFile(target.getParent(), wanted, ".part");
            try {
                Files.write(part, bytes);
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(part);
            }
            return shipped + " as " + target;
        } catch (IOException e) {
            return "could not write " + target + ": " + e;
        }
    }

    /** The version in a Maven artifact's {@code pom.properties} on the class path, or null. */
    static String artifactVersion(ClassLoader loader, String group, String artifact) {
        URL u = loader.getResource("META-INF/maven/" + group + "/" + artifact + "/pom.properties");
        if (u == null) {
            return null;
        }
        Properties p = new Properties();
        try (InputStream in = u.openStream()) {
            p.load(in);
        } catch (IOException e) {
            return null;
        }
        return p.getProperty("version");
    }
}
