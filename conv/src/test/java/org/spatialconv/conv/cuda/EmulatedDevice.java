package org.spatialconv.conv.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Assumptions;

/**
 * Test helper: builds native/src/test/emulate/replay.cpp once per JVM and records {@link KernelLauncher} launches
 * over host arrays into a script it replays (the kernels' own source under the host emulation of CUDA).
 */
final class EmulatedDevice {
    private static Path exe;
    private static String unavailable;

    private EmulatedDevice() {
    }

    /** Builds the replayer, or aborts the calling test (JUnit assumption) with the reason it cannot. */
    static synchronized void require() throws Exception {
        if (exe == null && unavailable == null) {
            build();
        }
        if (unavailable != null) {
            System.out.println("emulated-device test skipped: " + unavailable);
        }
        Assumptions.assumeTrue(unavailable == null, unavailable);
    }

    private static void build() throws Exception {
        Path emulate = Path.of("..", "native", "src", "test", "emulate").toAbsolutePath().normalize();
        Path cuda = Path.of("..", "native", "src", "main", "cuda").toAbsolutePath().normalize();
        String gxx = onPath("g++");
        if (gxx == null) {
            unavailable = "g++ not on PATH";
            return;
        }
        if (!Files.isRegularFile(emulate.resolve("replay.cpp"))) {
            unavailable = "native sources not found at " + emulate;
            return;
        }
        Path dir = Files.createTempDirectory("spatialconv-replay");
        dir.toFile().deleteOnExit();
        Path out = dir.resolve("replay");
        Process p = new ProcessBuilder(gxx, "-std=c++20", "-O1", "-fno-strict-aliasing", "-pthread", "-I", cuda.toString(), "-o", out.toString(),
                emulate.resolve("replay.cpp").toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS) && p.exitValue() == 0, "g++ failed:\n" + log);
        out.toFile().deleteOnExit();
        exe = out;
    }

    private static String onPath(String tool) {
        String path = System.getenv("PATH");
        for (String d : path == null ? new String[0] : path.split(File.pathSeparator)) {
            File f = new File(d, tool);
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return null;
    }

    /** A host array standing in for device memory; the replayer owns the data during the run. */
    static final class HostArray implements DeviceArray {
        final int id;
        final float[] data;

        HostArray(int id, float[] data) {
            this.id = id;
            this.data = data;
        }

        @Override
        public long floats() {
            return data.length;
        }

        @Override
        public CUdeviceptr pointer() {
            throw new UnsupportedOperationException("host stand-in has no device pointer");
        }
    }

    /** Records launches as replay script lines. */
    static final class Recorder implements KernelLauncher {
        final StringBuilder script = new StringBuilder();
        final Map<Integer, HostArray> arrays = new HashMap<>();
        final List<String> kernels = new ArrayList<>();

        HostArray array(float[] data) {
            HostArray a = new HostArray(arrays.size() + 1, data);
            arrays.put(a.id, a);
            script.append("buf ").append(a.id).append(' ').append(data.length);
            for (float v : data) {
                script.append(' ').append(Float.toString(v));
            }
            script.append('\n');
            return a;
        }

        @Override
        public void launch(String kernel, int[] grid, int block, CudaStream stream, KernelArgs args) {
            kernels.add(kernel);
            script.append(String.format(Locale.ROOT, "launch %s %d %d %d %d %d", kernel, grid[0], grid[1], grid[2], block,
                    args.args().size()));
            for (KernelArgs.Arg a : args.args()) {
                if (a instanceof KernelArgs.Buffer b) {
                    script.append(b.array() == null ? " n" : " b " + ((HostArray) b.array()).id);
                } else if (a instanceof KernelArgs.IntArg v) {
                    script.append(" i ").append(v.value());
                } else if (a instanceof KernelArgs.FloatArg v) {
                    script.append(" f ").append(v.value());
                } else {
                    int[] f = ((KernelArgs.Struct) a).fields();
                    script.append(" s ").append(f.length);
                    for (int x : f) {
                        script.append(' ').append(x);
                    }
                }
            }
            script.append('\n');
        }

        /** Runs the script, then copies every array back into its Java float[]. */
        void replay() throws IOException, InterruptedException {
            for (int id : arrays.keySet()) {
                script.append("dump ").append(id).append('\n');
            }
            Path in = Files.createTempFile("spatialconv-replay", ".txt");
            Files.writeString(in, script);
            Process p = new ProcessBuilder(exe.toString()).redirectInput(in.toFile()).start();
            byte[] out = p.getInputStream().readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "replay timed out");
            assertEquals(0, p.exitValue(), "replay failed: " + err);
            for (String line : new String(out, StandardCharsets.US_ASCII).split("\n")) {
                String[] t = line.trim().split(" ");
                HostArray a = arrays.get(Integer.parseInt(t[1]));
                for (int i = 0; i < a.data.length; i++) {
                    a.data[i] = Float.parseFloat(t[3 + i]);
                }
            }
            Files.delete(in);
        }
    }

}
