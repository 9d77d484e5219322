package org.spatialconv.conv.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The compiled kernels as shipped in the spatialconv-native jar: the fatbin, the list of kernel names ptxas saw and
 * the build record that says whether nvcc ran. Pure resource reading, usable without a GPU.
 */
public final class NativeKernels {
    /** Class-path folder of the native resources. */
    public static final String ROOT = "org/spatialconv/native/";
    /** The fatbin (sm_80 and sm_90 code plus compute_90 PTX). */
    public static final String FATBIN = ROOT + "spatialconv.fatbin";
    /** One kernel name per line. */
    public static final String KERNEL_LIST = ROOT + "spatialconv.kernels";
    /** {@code cuda.built=true|false}, {@code cuda.reason}, {@code cuda.nvcc}. */
    public static final String BUILD_INFO = ROOT + "build-info.properties";

    private NativeKernels() {
    }

    /** The build record, or empty when the native jar is not on the class path. */
    public static Optional<Properties> buildInfo() {
        byte[] b = read(BUILD_INFO);
        if (b == null) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try {
            p.load(new java.io.ByteArrayInputStream(b));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Optional.of(p);
    }

    /** Whether the build compiled the kernels. */
    public static boolean built() {
        return buildInfo().map(p -> "true".equals(p.getProperty("cuda.built"))).orElse(false);
    }

    /** Why the fatbin is missing, for messages; empty when it is present. */
    public static String missingReason() {
        if (NativeKernels.class.getClassLoader().getResource(FATBIN) != null) {
            return "";
        }
        return buildInfo().map(p -> "kernels were not compiled at build time (" + p.getProperty("cuda.reason", "?") + ")")
                .orElse("spatialconv-native jar with " + FATBIN + " is not on the class path");
    }

    /** The fatbin bytes, or empty. */
    public static Optional<byte[]> fatbin() {
        return Optional.ofNullable(read(FATBIN));
    }

    /** Kernel names recorded by the build (empty list when not built). */
    public static List<String> kernelNames() {
        byte[] b = read(KERNEL_LIST);
        if (b == null) {
            return List.of();
        }
        return Arrays.stream(new String(b, StandardCharsets.US_ASCII).split("\n")).map(String::trim)
                .filter(s -> !s.isEmpty()).toList();
    }

    private static byte[] read(String resource) {
        ClassLoader cl = NativeKernels.class.getClassLoader();
        try (InputStream in = cl.getResourceAsStream(resource)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }
}
