package org.spatialconv.conv.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * Gate for tests that need a CUDA device: a real GPU, or the emulated driver (native/src/test/emulate, a
 * libcuda.so.1 that runs the kernels on the CPU) in the surefire execution {@code emulated-driver}, which sets
 * {@link #EMULATED_PROPERTY}. Skips (JUnit assumption) with the reason printed where neither is present, and in
 * the emulated execution also where the emulated driver was not built (then a real driver would be picked up
 * again, repeating the default run).
 */
public final class GpuTests {
    /** Set to {@code true} by the emulated-driver surefire execution. */
    public static final String EMULATED_PROPERTY = "spatialconv.test.emulatedDriver";
    /** How the emulated driver names its devices. */
    public static final String EMULATED_NAME = "Spatialconv emulated CUDA device";

    private GpuTests() {
    }

    /** Aborts the calling test class unless a CUDA device (of the kind this run asks for) is usable. */
    public static void require(String test) {
        CudaProbe p = CudaProbe.get();
        String why = !p.available() ? "no usable GPU: " + p.reason() : "";
        if (why.isEmpty() && Boolean.getBoolean(EMULATED_PROPERTY) && !emulated()) {
            why = "this run is for the emulated CUDA driver, but device 0 is '" + deviceName()
                    + "' (emulated driver not built: no g++?)";
        }
        if (!why.isEmpty()) {
            System.out.println(test + " skipped: " + why);
        }
        Assumptions.assumeTrue(why.isEmpty(), why);
    }

    /**
     * Aborts the calling test class unless device 0 is the emulated driver's: for checks of the emulation itself,
     * and smoke runs that a real GPU does in its benchmark run instead.
     */
    public static void requireEmulated(String test) {
        require(test);
        Assumptions.assumeTrue(emulated(), test + ": device 0 is a real GPU, not the emulated driver");
    }

    /** Every value of {@code "key":NUMBER} in a JSON text, in order (NaN and Infinity included, to be rejected). */
    public static List<Double> jsonNumbers(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\":([-+0-9.eE]+|NaN|Infinity)").matcher(json);
        List<Double> out = new ArrayList<>();
        while (m.find()) {
            out.add(Double.parseDouble(m.group(1)));
        }
        return out;
    }

    /** Whether device 0 is the emulated driver's (false where no device is usable). */
    public static boolean emulated() {
        return CudaProbe.get().available() && deviceName().startsWith(EMULATED_NAME);
    }

    private static String deviceName() {
        try (CudaContext c = CudaContext.create(0)) {
            return c.deviceName();
        }
    }
}
