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
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.Window;
import org.spatialconv.conv.reference.ReferenceConv;

/**
 * Without a GPU: the launches {@link CudaConv} makes (kernel names, grids, argument lists, ConvParams, split-K
 * workspace) are recorded and replayed by native/src/test/emulate/replay.cpp, which runs the real kernel source
 * under a host emulation of the CUDA execution model (g++ and std::thread; one block at a time, __syncthreads as
 * a barrier) and rejects argument-kind or struct-size mismatches and out-of-bounds writes. Results are compared
 * with the float64 reference. Skipped, with the reason, where g++ or the native sources are missing.
 * This checks logic, not GPU behaviour (speed, warps, memory model).
 */
class CudaLaunchReplayTest {
    private static final double TOLERANCE = 1e-5;
    private static final long SEED = 0xC0DA5EEDL;
    private static final int CASES = 10;
    private static final float SENTINEL = 12345.5f;
    private static Path dir;
    private static Path exe;

    @BeforeAll
    static void buildReplayer() throws Exception {
        Path emulate = Path.of("..", "native", "src", "test", "emulate").toAbsolutePath().normalize();
        Path cuda = Path.of("..", "native", "src", "main", "cuda").toAbsolutePath().normalize();
        String gxx = onPath("g++");
        String why = gxx == null ? "g++ not on PATH" : !Files.isRegularFile(emulate.resolve("replay.cpp"))
                ? "native sources not found at " + emulate : null;
        if (why != null) {
            System.out.println("CudaLaunchReplayTest skipped: " + why);
        }
        Assumptions.assumeTrue(why == null, why);
        dir = Files.createTempDirectory("spatialconv-replay");
        exe = dir.resolve("replay");
        Process p = new ProcessBuilder(gxx, "-std=c++20", "-O1", "-pthread", "-I", cuda.toString(), "-o", exe.toString(),
                emulate.resolve("replay.cpp").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS) && p.exitValue() == 0, "g++ failed:\n" + out);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (dir != null) {
            Files.deleteIfExists(exe);
            Files.deleteIfExists(dir);
        }
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
    private static final class HostArray implements DeviceArray {
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
    private static final class Recorder implements KernelLauncher {
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
        void replay() throws Exception {
            for (int id : arrays.keySet()) {
                script.append("dump ").append(id).append('\n');
            }
            Path in = dir.resolve("script.txt");
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

    private static float[] random(Random rnd, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = rnd.nextFloat() * 2 - 1;
        }
        return f;
    }

    private static Window randomWindow(Random rnd, int h, int w) {
        int h0 = rnd.nextInt(h);
        int w0 = rnd.nextInt(w);
        return Window.of2d(h0, h0 + 1 + rnd.nextInt(h - h0), w0, w0 + 1 + rnd.nextInt(w - w0));
    }

    private static boolean inside(Shape s, int i, Window win) {
        int w = i % s.w();
        int h = (i / s.w()) % s.h();
        return h >= win.lo(0) && h < win.hi(0) && w >= win.lo(1) && w < win.hi(1);
    }

    @Test
    void recordedLaunchesReplayToTheReference() throws Exception {
        Random rnd = new Random(SEED);
        int checked = 0;
        java.util.Set<String> kernelsSeen = new java.util.TreeSet<>();
        int maxSplits = 0;
        for (int c = 0; c < CASES; c++) {
            int groups = 1 + rnd.nextInt(2);
            int cg = rnd.nextInt(3) == 0 ? 17 + rnd.nextInt(4) : 1 + rnd.nextInt(4);
            int kg = c % 3 == 0 ? 50 + rnd.nextInt(20) : c % 3 == 1 ? 20 + rnd.nextInt(10) : 1 + rnd.nextInt(6);
            int r = 1 + rnd.nextInt(3);
            boolean big = c < 3; // the first cases are large enough (>= 256 pixels) for split-K to engage
            ConvGeometry g = new ConvGeometry(new int[] {r, 1 + rnd.nextInt(3)},
                    big ? new int[] {1, 1} : new int[] {1 + rnd.nextInt(2), 1 + rnd.nextInt(2)}, new int[] {rnd.nextInt(2), rnd.nextInt(2)},
                    new int[] {rnd.nextInt(2), rnd.nextInt(2)}, new int[] {1 + rnd.nextInt(2), 1}, groups);
            Shape xs = big ? Shape.nchw(2, cg * groups, 14 + rnd.nextInt(6), 14 + rnd.nextInt(6))
                    : Shape.nchw(1 + rnd.nextInt(2), cg * groups, 6 + rnd.nextInt(12), 6 + rnd.nextInt(12));
            Shape ws = g.weightShape(xs.c(), kg * groups);
            Shape ys = g.outputShape(xs, ws);
            String ctx = "seed " + SEED + " case " + c + ": x=" + xs + " w=" + ws + " " + g;
            Tensor x = new Tensor(xs, random(rnd, xs.size()));
            Tensor w = new Tensor(ws, random(rnd, ws.size()));
            Tensor bias = new Tensor(Shape.of(ys.c()), random(rnd, ys.c()));
            Tensor dy = new Tensor(ys, random(rnd, ys.size()));
            Window yWin = randomWindow(rnd, ys.h(), ys.w());
            Window xWin = randomWindow(rnd, xs.h(), xs.w());
            Window dyWin = big || rnd.nextBoolean() ? Window.full(ys) : randomWindow(rnd, ys.h(), ys.w());
            int sms = 1 + rnd.nextInt(400); // many SMs force split-K on these small problems
            maxSplits = Math.max(maxSplits, ConvLaunch.backwardFilter(xs, ws, g, dyWin, sms).splits());

            Recorder rec = new Recorder();
            CudaConv conv = new CudaConv(rec, sms);
            HostArray hx = rec.array(x.data());
            HostArray hw = rec.array(w.data());
            HostArray hb = rec.array(bias.data());
            HostArray hdy = rec.array(dy.data());
            float[] y0 = new float[ys.size()];
            java.util.Arrays.fill(y0, SENTINEL);
            HostArray hy = rec.array(y0);
            float[] dx0 = new float[xs.size()];
            java.util.Arrays.fill(dx0, SENTINEL);
            HostArray hdx = rec.array(dx0);
            float[] dwInit = random(rnd, ws.size());
            HostArray hdw = rec.array(dwInit.clone());
            HostArray hws = rec.array(new float[(int) conv.backwardFilterWorkspace(xs, ws, g, dyWin)]);
            float[] dbInit = random(rnd, ys.c());
            HostArray hdb = rec.array(dbInit.clone());
            conv.forward(hx, xs, hw, ws, hb, g, hy, yWin, null);
            conv.backwardData(hdy, hw, ws, g, hdx, xs, xWin, null);
            conv.backwardFilter(hx, xs, hdy, g, hdw, ws, dyWin, true, hws, null);
            conv.biasBackward(hdy, ys, hdb, dyWin, true, null);
            rec.replay();
            kernelsSeen.addAll(rec.kernels);

            double[] yRef = ReferenceConv.forward(x, w, bias, g);
            double[] dxRef = ReferenceConv.backwardData(dy, w, g, xs);
            Tensor dyMasked = dy.copy();
            for (int i = 0; i < ys.size(); i++) {
                if (!inside(ys, i, dyWin)) {
                    dyMasked.data()[i] = 0f;
                }
            }
            double[] dwRef = ReferenceConv.backwardFilter(x, dyMasked, g, ws);
            double[] dbRef = ReferenceConv.biasBackward(dyMasked);
            for (int i = 0; i < ys.size(); i++) {
                yRef[i] = inside(ys, i, yWin) ? yRef[i] : SENTINEL;
            }
            for (int i = 0; i < xs.size(); i++) {
                dxRef[i] = inside(xs, i, xWin) ? dxRef[i] : SENTINEL;
            }
            for (int i = 0; i < dwRef.length; i++) {
                dwRef[i] += dwInit[i];
            }
            for (int i = 0; i < dbRef.length; i++) {
                dbRef[i] += dbInit[i];
            }
            assertTrue(ReferenceConv.relativeL2(hy.data, yRef) < TOLERANCE, "forward " + ctx + " window " + yWin);
            assertTrue(ReferenceConv.relativeL2(hdx.data, dxRef) < TOLERANCE, "backward-data " + ctx + " window " + xWin);
            assertTrue(ReferenceConv.relativeL2(hdw.data, dwRef) < TOLERANCE, "backward-filter " + ctx + " window "
                    + dyWin + " sms " + sms);
            assertTrue(ReferenceConv.relativeL2(hdb.data, dbRef) < TOLERANCE, "bias-grad " + ctx);
            checked += 4;
        }
        assertEquals(4 * CASES, checked);
        System.out.println("replayed " + checked + " checks; largest split-K " + maxSplits + "; kernels exercised: "
                + kernelsSeen);
        assertTrue(maxSplits > 1, "no case exercised split-K");
        assertTrue(kernelsSeen.containsAll(List.of("sc_conv_fwd_m64", "sc_conv_fwd_m32", "sc_conv_fwd_m16",
                "sc_conv_bwd_filter_m64", "sc_conv_bwd_filter_m16", "sc_splitk_reduce", "sc_bias_grad")), kernelsSeen.toString());
    }

    @Test
    void packAndUnpackReplayExactly() throws Exception {
        Random rnd = new Random(SEED + 1);
        int checked = 0;
        for (int c = 0; c < 20; c++) {
            int[] dims = new int[4];
            int[] lo = new int[4];
            int[] ext = new int[4];
            int size = 1;
            for (int d = 0; d < 4; d++) {
                dims[d] = 1 + rnd.nextInt(d == 3 ? 300 : 7);
                lo[d] = rnd.nextInt(dims[d]);
                ext[d] = 1 + rnd.nextInt(dims[d] - lo[d]);
                size *= dims[d];
            }
            int count = ext[0] * ext[1] * ext[2] * ext[3];
            float[] src = new float[size];
            for (int i = 0; i < size; i++) {
                src[i] = i; // global index as value: exact equality
            }
            Recorder rec = new Recorder();
            CudaConv conv = new CudaConv(rec, 1);
            HostArray hs = rec.array(src.clone());
            HostArray hbuf = rec.array(new float[count]);
            HostArray hacc = rec.array(src.clone());
            conv.pack(hs, dims, lo, ext, hbuf, null);
            conv.unpack(hbuf, hacc, dims, lo, ext, true, null);
            rec.replay();
            float[] acc = src.clone();
            int k = 0;
            for (int a = 0; a < ext[0]; a++) {
                for (int b = 0; b < ext[1]; b++) {
                    for (int e = 0; e < ext[2]; e++) {
                        for (int f = 0; f < ext[3]; f++, k++) {
                            int off = (((lo[0] + a) * dims[1] + lo[1] + b) * dims[2] + lo[2] + e) * dims[3] + lo[3] + f;
                            assertEquals(off, hbuf.data[k], "pack, seed " + (SEED + 1) + " case " + c);
                            acc[off] += off;
                        }
                    }
                }
            }
            assertTrue(java.util.Arrays.equals(acc, hacc.data), "unpack-accumulate, seed " + (SEED + 1) + " case " + c);
            checked++;
        }
        assertEquals(20, checked);
    }
}
