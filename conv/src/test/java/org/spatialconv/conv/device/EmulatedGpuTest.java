package org.spatialconv.conv.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.Backends;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.Window;

/**
 * The emulated device keeps CUDA's stream and event semantics, which is what makes it a valid stand-in for testing
 * orchestration: work is ordered within a stream and across streams only by events; under the lazy schedule a
 * missing wait is observable; failures are sticky and reach waiters; leaks are reported; the kernels are right.
 */
class EmulatedGpuTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static float[] ones(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, 1f);
        return a;
    }

    /** Copies {@code src} to {@code mid} on stream a, then {@code mid} to {@code dst} on stream b, waiting or not. */
    private static float[] twoStreamCopy(EmulatedGpu.Schedule schedule, boolean wait) {
        EmulatedGpu gpu = new EmulatedGpu(0, schedule, WAIT);
        try (EmulatedRuntime rt = gpu.newRank()) {
            float[] out = new float[8];
            try (DeviceStream a = rt.createStream(); DeviceStream b = rt.createStream();
                 DeviceEvent e = rt.createEvent(); DeviceFloats src = rt.allocate(8); DeviceFloats mid = rt.allocate(8);
                 DeviceFloats dst = rt.allocate(8)) {
                rt.upload(ones(8), 0, src, 0, 8, a);
                rt.copy(src, 0, mid, 0, 8, a);
                e.record(a);
                if (wait) {
                    b.waitFor(e);
                }
                rt.copy(mid, 0, dst, 0, 8, b);
                rt.download(dst, 0, out, 0, 8, b);
                a.synchronize();
            }
            return out;
        }
    }

    @Test
    void lazyScheduleExposesAMissingWait() {
        assertArrayEquals(ones(8), twoStreamCopy(EmulatedGpu.Schedule.LAZY, true));
        assertArrayEquals(new float[8], twoStreamCopy(EmulatedGpu.Schedule.LAZY, false),
                "without the wait, stream b must read mid before stream a wrote it");
    }

    @ParameterizedTest
    @EnumSource(EmulatedGpu.Schedule.class)
    void eventsOrderStreamsUnderEverySchedule(EmulatedGpu.Schedule schedule) {
        for (int i = 0; i < 20; i++) {
            assertArrayEquals(ones(8), twoStreamCopy(schedule, true));
        }
    }

    @Test
    void anEventNeverRecordedImposesNoWait() {
        EmulatedGpu gpu = new EmulatedGpu(0, EmulatedGpu.Schedule.LAZY, WAIT);
        try (EmulatedRuntime rt = gpu.newRank(); DeviceStream s = rt.createStream(); DeviceEvent e = rt.createEvent()) {
            s.waitFor(e);
            e.synchronize();
            assertTimeoutPreemptively(Duration.ofSeconds(2), s::synchronize);
        }
    }

    @Test
    void aFailureIsStickyAndReachesWaitersAtOnce() {
        EmulatedGpu gpu = new EmulatedGpu(0, EmulatedGpu.Schedule.LAZY, Duration.ofSeconds(60));
        try (EmulatedRuntime rt = gpu.newRank((op, running) -> {
            if (running && op.equals("zero")) {
                throw new IllegalStateException("fault on purpose");
            }
        }); DeviceStream a = rt.createStream(); DeviceStream b = rt.createStream(); DeviceEvent e = rt.createEvent();
             DeviceFloats x = rt.allocate(4)) {
            rt.zero(x, a);
            e.record(a);
            b.waitFor(e);
            IllegalStateException w = assertTimeoutPreemptively(Duration.ofSeconds(5),
                    () -> assertThrows(IllegalStateException.class, b::synchronize));
            assertTrue(w.getMessage().contains("fault on purpose"), w.getMessage());
            IllegalStateException again = assertThrows(IllegalStateException.class, () -> rt.zero(x, a));
            assertTrue(again.getMessage().contains("fault on purpose"), again.getMessage());
        }
    }

    @Test
    void leaksAreNamedWhenTheRuntimeCloses() {
        EmulatedRuntime rt = new EmulatedGpu(0, EmulatedGpu.Schedule.LAZY, WAIT).newRank();
        DeviceFloats kept = rt.allocate(16);
        DeviceStream s = rt.createStream();
        s.close();
        assertEquals(1, rt.openResources());
        IllegalStateException e = assertThrows(IllegalStateException.class, rt::close);
        assertTrue(e.getMessage().contains("1 resource(s) still open (64 bytes): device array (64 bytes)"),
                e.getMessage());
        kept.close();
        assertEquals(0, rt.openResources());
    }

    @Test
    void queuedWorkOnAFreedArrayFails() {
        try (EmulatedRuntime rt = new EmulatedGpu(0, EmulatedGpu.Schedule.LAZY, WAIT).newRank();
             DeviceStream s = rt.createStream()) {
            DeviceFloats a = rt.allocate(4);
            rt.zero(a, s);
            a.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, s::synchronize);
            assertTrue(e.getMessage().contains("used after it was freed"), e.getMessage());
        }
    }

    @Test
    void packAndUnpackMoveExactlyTheBox() {
        int[] dims = {2, 3, 5, 7};
        int[] lo = {1, 0, 2, 3};
        int[] ext = {1, 2, 3, 4};
        Shape s = Shape.of(dims);
        float[] t = new float[s.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = i;
        }
        int n = ext[0] * ext[1] * ext[2] * ext[3];
        float[] packed = new float[n];
        float[] twice = t.clone();
        try (EmulatedRuntime rt = new EmulatedGpu(0, EmulatedGpu.Schedule.LAZY, WAIT).newRank();
             DeviceStream st = rt.createStream(); DeviceFloats a = rt.allocate(t.length);
             DeviceFloats buf = rt.allocate(n)) {
            rt.upload(t, 0, a, 0, t.length, st);
            DeviceTensor at = new DeviceTensor(a, s);
            rt.pack(at, lo, ext, buf, st);
            rt.download(buf, 0, packed, 0, n, st);
            rt.unpack(buf, at, lo, ext, true, st);
            rt.download(a, 0, twice, 0, t.length, st);
        }
        int k = 0;
        for (int i0 = 0; i0 < ext[0]; i0++) {
            for (int i1 = 0; i1 < ext[1]; i1++) {
                for (int i2 = 0; i2 < ext[2]; i2++) {
                    for (int i3 = 0; i3 < ext[3]; i3++) {
                        int g = (((lo[0] + i0) * dims[1] + lo[1] + i1) * dims[2] + lo[2] + i2) * dims[3] + lo[3] + i3;
                        assertEquals(g, packed[k++]);
                        assertEquals(2f * g, twice[g]);
                        twice[g] = g;
                    }
                }
            }
        }
        assertArrayEquals(t, twice, "unpack touched elements outside the box");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeviceChecks.box(dims, new int[] {0, 0, 4, 0}, new int[] {1, 1, 2, 1}));
        assertEquals("box dimension 2 [4, 6) outside [0, 5)", e.getMessage());
    }

    @Test
    void convolutionRunsOnArraysLargerThanTheirTensors() {
        ConvGeometry g = ConvGeometry.square(3, 1, 1, 1, 1);
        Shape xs = Shape.nchw(1, 2, 5, 6);
        Shape ws = g.weightShape(2, 3);
        Shape ys = g.outputShape(xs, ws);
        Random rnd = new Random(3);
        float[] x = new float[xs.size()];
        float[] w = new float[ws.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian();
        }
        Tensor want = Tensor.zeros(ys);
        try (var cpu = Backends.create("cpu", BackendOptions.threads(1))) {
            cpu.convForward(new Tensor(xs, x), new Tensor(ws, w), null, g, want);
        }
        float[] got = new float[ys.size() + 5];
        java.util.Arrays.fill(got, 7f);
        try (EmulatedRuntime rt = new EmulatedGpu(0, EmulatedGpu.Schedule.THREADED, WAIT).newRank();
             DeviceStream st = rt.createStream(); DeviceFloats dx = rt.allocate(x.length + 3);
             DeviceFloats dw = rt.allocate(w.length); DeviceFloats dy = rt.allocate(got.length)) {
            rt.upload(x, 0, dx, 0, x.length, st);
            rt.upload(w, 0, dw, 0, w.length, st);
            rt.upload(got, 0, dy, 0, got.length, st);
            rt.convForward(new DeviceTensor(dx, xs), new DeviceTensor(dw, ws), null, g, new DeviceTensor(dy, ys),
                    Window.full(ys), st);
            rt.download(dy, 0, got, 0, got.length, st);
        }
        assertArrayEquals(want.data(), java.util.Arrays.copyOf(got, ys.size()));
        assertArrayEquals(new float[] {7f, 7f, 7f, 7f, 7f}, java.util.Arrays.copyOfRange(got, ys.size(), got.length));
    }
}
