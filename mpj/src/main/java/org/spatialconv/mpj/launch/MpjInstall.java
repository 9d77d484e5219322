package org.spatialconv.mpj.launch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where MPJ Express is installed: its home (with {@code lib/mpj.jar} and {@code conf/mpjexpress.conf}; Debian's
 * {@code libmpj-java} puts it in {@code /usr/share/mpj}) and the log4j 1.2 jar MPJ needs beside it.
 *
 * @param home      MPJ_HOME
 * @param log4jJar  log4j 1.2 jar (Debian: {@code /usr/share/java/log4j-1.2.jar})
 */
public record MpjInstall(Path home, Path log4jJar) {
    /** Debian's locations. */
    public static final Path DEBIAN_HOME = Path.of("/usr/share/mpj");
    public static final Path DEBIAN_LOG4J = Path.of("/usr/share/java/log4j-1.2.jar");

    /** Validates that the jars exist, with a message that says how to install them. */
    public MpjInstall {
        if (!Files.isRegularFile(home.resolve("lib/mpj.jar"))) {
            throw new IllegalArgumentException("MPJ Express not found: no " + home.resolve("lib/mpj.jar")
                    + " (install Debian's libmpj-java or set MPJ_HOME)");
        }
        if (!Files.isRegularFile(log4jJar)) {
            throw new IllegalArgumentException("log4j 1.2 not found at " + log4jJar
                    + " (install Debian's liblog4j1.2-java or set -Dspatialconv.log4j.jar)");
        }
    }

    /** MPJ_HOME from the environment, else Debian's; log4j from {@code -Dspatialconv.log4j.jar}, else Debian's. */
    public static MpjInstall detect() {
        String env = System.getenv("MPJ_HOME");
        Path home = env != null && !env.isBlank() ? Path.of(env) : DEBIAN_HOME;
        String l4j = System.getProperty("spatialconv.log4j.jar");
        Path log4j = l4j != null ? Path.of(l4j) : home.resolve("lib/log4j-1.2.jar");
        if (!Files.isRegularFile(log4j)) {
            log4j = DEBIAN_LOG4J;
        }
        return new MpjInstall(home, log4j);
    }

    /** The jars a rank process needs on its class path. */
    public List<Path> classpath() {
        return List.of(home.resolve("lib/mpj.jar"), log4jJar);
    }

    /**
     * Builds an MPJ_HOME that MPJ's own {@code mpjrun} accepts under {@code dir}: {@code lib/} with copies of
     * every MPJ jar and log4j (copies: the JVM resolves a jar's manifest Class-Path beside the real file, and
     * Debian's home lacks log4j in {@code lib/}), and {@code conf/} linked to the install's.
     */
    public Path assembleHome(Path dir) {
        try {
            Path lib = Files.createDirectories(dir.resolve("lib"));
            try (Stream<Path> jars = Files.list(home.resolve("lib"))) {
                for (Path jar : (Iterable<Path>) jars::iterator) {
                    Files.copy(jar.toRealPath(), lib.resolve(jar.getFileName().toString()),
                            StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.copy(log4jJar.toRealPath(), lib.resolve("log4j-1.2.jar"), StandardCopyOption.REPLACE_EXISTING);
            relink(dir.resolve("conf"), home.resolve("conf").toRealPath());
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot assemble an MPJ_HOME in " + dir, e);
        }
    }

    private static void relink(Path link, Path target) throws IOException {
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, target);
    }
}
