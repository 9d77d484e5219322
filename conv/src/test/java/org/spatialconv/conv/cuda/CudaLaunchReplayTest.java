package org.spatialconv.conv.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
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


    @BeforeEach
    void requireEmulator() throws Exception {
        EmulatedDevice.require();
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

            EmulatedDevice.Recorder rec = new EmulatedDevice.Recorder();
            CudaConv conv = new CudaConv(rec, sms);
            EmulatedDevice.HostArray hx = rec.array(x.data());
            EmulatedDevice.HostArray hw = rec.array(w.data());
            EmulatedDevice.HostArray hb = rec.array(bias.data());
            EmulatedDevice.HostArray hdy = rec.array(dy.data());
            float[] y0 = new float[ys.size()];
            java.util.Arrays.fill(y0, SENTINEL);
            EmulatedDevice.HostArray hy = rec.array(y0);
            float[] dx0 = new float[xs.size()];
            java.util.Arrays.fill(dx0, SENTINEL);
            EmulatedDevice.HostArray hdx = rec.array(dx0);
            float[] dwInit = random(rnd, ws.size());
            EmulatedDevice.HostArray hdw = rec.array(dwInit.clone());
            EmulatedDevice.HostArray hws = rec.array(new float[(int) conv.backwardFilterWorkspace(xs, ws, g, dyWin)]);
            float[] dbInit = random(rnd, ys.c());
            EmulatedDevice.HostArray hdb = rec.array(dbInit.clone());
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
                if (!WindowedResult.inside(ys, i, dyWin)) {
                    dyMasked.data()[i] = 0f;
                }
            }
            double[] dwRef = ReferenceConv.backwardFilter(x, dyMasked, g, ws);
            double[] dbRef = ReferenceConv.biasBackward(dyMasked);
            for (int i = 0; i < dwRef.length; i++) {
                dwRef[i] += dwInit[i];
            }
            for (int i = 0; i < dbRef.length; i++) {
                dbRef[i] += dbInit[i];
            }
            assertTrue(WindowedResult.error(hy.data, yRef, ys, yWin) < TOLERANCE, "forward " + ctx + " window " + yWin);
            assertEquals(-1, WindowedResult.firstChangedOutside(hy.data, ys, yWin, SENTINEL), "forward wrote outside "
                    + yWin + ": " + ctx);
            assertTrue(WindowedResult.error(hdx.data, dxRef, xs, xWin) < TOLERANCE, "backward-data " + ctx + " window "
                    + xWin);
            assertEquals(-1, WindowedResult.firstChangedOutside(hdx.data, xs, xWin, SENTINEL),
                    "backward-data wrote outside " + xWin + ": " + ctx);
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
            EmulatedDevice.Recorder rec = new EmulatedDevice.Recorder();
            CudaConv conv = new CudaConv(rec, 1);
            EmulatedDevice.HostArray hs = rec.array(src.clone());
            EmulatedDevice.HostArray hbuf = rec.array(new float[count]);
            EmulatedDevice.HostArray hacc = rec.array(src.clone());
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
