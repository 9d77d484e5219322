package org.spatialconv.conv.device;

import java.util.concurrent.atomic.AtomicInteger;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.Window;
import org.spatialconv.conv.cuda.ResourceTracker;

/**
 * One rank's {@link DeviceRuntime} on an {@link EmulatedGpu}. Arguments are checked when work is queued (as the CUDA
 * runtime does); the work itself runs on the stream. Using a freed array in queued work fails that stream.
 */
public final class EmulatedRuntime implements DeviceRuntime {
    private static final AtomicInteger STREAMS = new AtomicInteger();
    private final EmulatedGpu gpu;
    private final Backend backend;
    private final EmulatedGpu.Fault fault;
    private final ResourceTracker tracker = new ResourceTracker();
    private boolean closed;

    EmulatedRuntime(EmulatedGpu gpu, Backend backend, EmulatedGpu.Fault fault) {
        this.gpu = gpu;
        this.backend = backend;
        this.fault = fault;
    }

    @Override
    public String description() {
        return gpu.toString();
    }

    @Override
    public DeviceFloats allocate(long floats) {
        if (floats < 1 || floats > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("device array size out of range: " + floats + " floats");
        }
        return new HostFloats((int) floats);
    }

    @Override
    public StagingBuffer allocateStaging(long floats) {
        if (floats < 1 || floats > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("staging buffer size out of range: " + floats + " floats");
        }
        return new HostStaging((int) floats);
    }

    @Override
    public DeviceStream createStream() {
        requireOpen();
        Object[] self = new Object[1];
        EmulatedStream s = new EmulatedStream(gpu + " stream " + STREAMS.incrementAndGet(), gpu, () -> {
            tracker.closedResource(self[0], 0);
            gpu.forget((EmulatedStream) self[0]);
        });
        self[0] = s;
        tracker.opened(s, "stream", 0);
        gpu.register(s);
        return s;
    }

    @Override
    public DeviceEvent createEvent() {
        requireOpen();
        Object[] self = new Object[1];
        EmulatedEvent e = new EmulatedEvent(() -> tracker.closedResource(self[0], 0));
        self[0] = e;
        tracker.opened(e, "event", 0);
        return e;
    }

    @Override
    public void upload(float[] src, int srcOffset, DeviceFloats dst, long dstOffset, int count, DeviceStream s) {
        DeviceChecks.range(src.length, srcOffset, count, "upload source");
        DeviceChecks.range(dst, dstOffset, count, "upload destination");
        HostFloats d = floats(dst);
        blocking(s, () -> System.arraycopy(src, srcOffset, d.live(), (int) dstOffset, count));
    }

    @Override
    public void download(DeviceFloats src, long srcOffset, float[] dst, int dstOffset, int count, DeviceStream s) {
        DeviceChecks.range(src, srcOffset, count, "download source");
        DeviceChecks.range(dst.length, dstOffset, count, "download destination");
        HostFloats a = floats(src);
        blocking(s, () -> System.arraycopy(a.live(), (int) srcOffset, dst, dstOffset, count));
    }

    @Override
    public void copy(DeviceFloats src, long srcOffset, DeviceFloats dst, long dstOffset, long count, DeviceStream s) {
        DeviceChecks.range(src, srcOffset, count, "copy source");
        DeviceChecks.range(dst, dstOffset, count, "copy destination");
        HostFloats a = floats(src);
        HostFloats b = floats(dst);
        queue("copy", s, () -> System.arraycopy(a.live(), (int) srcOffset, b.live(), (int) dstOffset, (int) count));
    }

    @Override
    public void copyToStaging(DeviceFloats src, long srcOffset, StagingBuffer dst, long dstOffset, long count,
            DeviceStream s) {
        DeviceChecks.range(src, srcOffset, count, "staging copy source");
        DeviceChecks.range(dst.floats(), dstOffset, count, "staging copy destination");
        HostFloats a = floats(src);
        HostStaging b = staging(dst);
        queue("copyToStaging", s, () -> System.arraycopy(a.live(), (int) srcOffset, b.live(), (int) dstOffset,
                (int) count));
    }

    @Override
    public void copyFromStaging(StagingBuffer src, long srcOffset, DeviceFloats dst, long dstOffset, long count,
            DeviceStream s) {
        DeviceChecks.range(src.floats(), srcOffset, count, "staging copy source");
        DeviceChecks.range(dst, dstOffset, count, "staging copy destination");
        HostStaging a = staging(src);
        HostFloats b = floats(dst);
        queue("copyFromStaging", s, () -> System.arraycopy(a.live(), (int) srcOffset, b.live(), (int) dstOffset,
                (int) count));
    }

    @Override
    public void zero(DeviceFloats a, DeviceStream s) {
        HostFloats f = floats(a);
        queue("zero", s, () -> java.util.Arrays.fill(f.live(), 0f));
    }

    @Override
    public void biasAdd(DeviceTensor y, DeviceFloats bias, DeviceStream s) {
        Shape ys = y.shape();
        DeviceChecks.biasAdd(y, bias);
        HostFloats yf = floats(y.floats());
        HostFloats bf = floats(bias);
        queue("biasAdd", s, () -> {
            float[] d = yf.live();
            float[] b = bf.live();
            int plane = ys.h() * ys.w();
            for (int i = 0; i < ys.size(); i++) {
                d[i] += b[(i / plane) % ys.c()];
            }
        });
    }

    @Override
    public void pack(DeviceTensor src, int[] lo, int[] ext, DeviceFloats buf, DeviceStream s) {
        DeviceChecks.packBox(src, lo, ext, buf);
        HostFloats t = floats(src.floats());
        HostFloats b = floats(buf);
        int[] dims = src.shape().dims();
        int[] l = lo.clone();
        int[] e = ext.clone();
        queue("pack", s, () -> moveBox(t.live(), dims, l, e, b.live(), true, false));
    }

    @Override
    public void unpack(DeviceFloats buf, DeviceTensor dst, int[] lo, int[] ext, boolean accumulate, DeviceStream s) {
        DeviceChecks.packBox(dst, lo, ext, buf);
        HostFloats t = floats(dst.floats());
        HostFloats b = floats(buf);
        int[] dims = dst.shape().dims();
        int[] l = lo.clone();
        int[] e = ext.clone();
        queue("unpack", s, () -> moveBox(t.live(), dims, l, e, b.live(), false, accumulate));
    }

    /**
     * Moves box {@code [lo, lo+ext)} of a 4-D tensor to ({@code toBuffer}) or from a row-major buffer, adding
     * instead of overwriting when {@code accumulate}.
     */
    private static void moveBox(float[] t, int[] dims, int[] lo, int[] ext, float[] buf, boolean toBuffer,
            boolean accumulate) {
        int pos = 0;
        for (int n = 0; n < ext[0]; n++) {
            for (int c = 0; c < ext[1]; c++) {
                for (int h = 0; h < ext[2]; h++) {
                    int base = (((lo[0] + n) * dims[1] + lo[1] + c) * dims[2] + lo[2] + h) * dims[3] + lo[3];
                    if (toBuffer) {
                        System.arraycopy(t, base, buf, pos, ext[3]);
                    } else if (accumulate) {
                        for (int i = 0; i < ext[3]; i++) {
                            t[base + i] += buf[pos + i];
                        }
                    } else {
                        System.arraycopy(buf, pos, t, base, ext[3]);
                    }
                    pos += ext[3];
                }
            }
        }
    }

    @Override
    public void convForward(DeviceTensor x, DeviceTensor w, DeviceFloats bias, ConvGeometry g, DeviceTensor y,
            Window win, DeviceStream s) {
        DeviceChecks.forward(x, w, bias, g, y, win);
        HostFloats b = bias == null ? null : floats(bias);
        int k = y.shape().c();
        kernel("convForward", s, () -> {
            Tensor yt = tensor(y);
            Tensor bt = b == null ? null : new Tensor(Shape.of(k), java.util.Arrays.copyOf(b.live(), k));
            backend.convForward(tensor(x), tensor(w), bt, g, yt, win);
            writeBack(yt, y);
        });
    }

    @Override
    public void convBackwardData(DeviceTensor dy, DeviceTensor w, ConvGeometry g, DeviceTensor dx, Window win,
            DeviceStream s) {
        DeviceChecks.backwardData(dy, w, g, dx, win);
        kernel("convBackwardData", s, () -> {
            Tensor dxt = tensor(dx);
            backend.convBackwardData(tensor(dy), tensor(w), g, dxt, win);
            writeBack(dxt, dx);
        });
    }

    @Override
    public void convBackwardFilter(DeviceTensor x, DeviceTensor dy, ConvGeometry g, DeviceTensor dw, Window win,
            boolean accumulate, DeviceStream s) {
        DeviceChecks.backwardFilter(x, dy, g, dw, win);
        kernel("convBackwardFilter", s, () -> {
            Tensor dwt = tensor(dw);
            backend.convBackwardFilter(tensor(x), tensor(dy), g, dwt, win, accumulate);
            writeBack(dwt, dw);
        });
    }

    @Override
    public void biasBackward(DeviceTensor dy, DeviceFloats db, Window win, boolean accumulate, DeviceStream s) {
        DeviceChecks.biasBackward(dy, db, win);
        DeviceTensor dbt = new DeviceTensor(db, Shape.of(dy.shape().c()));
        kernel("biasBackward", s, () -> {
            Tensor t = tensor(dbt);
            backend.biasBackward(tensor(dy), t, win, accumulate);
            writeBack(t, dbt);
        });
    }

    /** Queues a convolution pass; the rank's CPU backend runs one pass at a time. */
    private void kernel(String op, DeviceStream s, Runnable body) {
        queue(op, s, () -> {
            synchronized (backend) {
                body.run();
            }
        });
    }

    /** The tensor over a device array: the array itself when sizes match, else a copy of its prefix. */
    private static Tensor tensor(DeviceTensor t) {
        float[] a = floats(t.floats()).live();
        int n = t.shape().size();
        return new Tensor(t.shape(), a.length == n ? a : java.util.Arrays.copyOf(a, n));
    }

    private static void writeBack(Tensor result, DeviceTensor t) {
        float[] a = floats(t.floats()).live();
        if (result.data() != a) {
            System.arraycopy(result.data(), 0, a, 0, result.data().length);
        }
    }

    private void queue(String op, DeviceStream s, Runnable body) {
        requireOpen();
        fault.check(op, false);
        EmulatedStream.of(s).enqueue(() -> {
            fault.check(op, true);
            body.run();
        });
    }

    private void blocking(DeviceStream s, Runnable body) {
        EmulatedStream st = EmulatedStream.of(s);
        queue("host copy", s, body);
        st.synchronize();
    }

    @Override
    public int openResources() {
        return tracker.openCount();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            backend.close();
        } finally {
            tracker.close("emulated device runtime on " + gpu);
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("device runtime is closed");
        }
    }

    private static HostFloats floats(DeviceFloats a) {
        return DeviceChecks.as(HostFloats.class, a, "an emulated device array");
    }

    private static HostStaging staging(StagingBuffer b) {
        return DeviceChecks.as(HostStaging.class, b, "an emulated staging buffer");
    }

    /** Emulated memory: a float array, tracked, unusable once freed. */
    private abstract class HostMemory {
        private final float[] data;
        private final String kind;
        private volatile boolean freed;

        HostMemory(int floats, String kind) {
            requireOpen();
            this.data = new float[floats];
            this.kind = kind;
            tracker.opened(this, kind, 4L * floats);
        }

        /** The data, for work that runs now; fails if the memory was freed (a use after free). */
        float[] live() {
            if (freed) {
                throw new IllegalStateException(kind + " of " + data.length + " floats used after it was freed");
            }
            return data;
        }

        public long floats() {
            return data.length;
        }

        public void close() {
            if (tracker.closedResource(this, 4L * data.length)) {
                freed = true;
            }
        }
    }

    /** An emulated device array. */
    private final class HostFloats extends HostMemory implements DeviceFloats {
        HostFloats(int floats) {
            super(floats, "device array");
        }
    }

    /** An emulated staging buffer: plain host memory. */
    private final class HostStaging extends HostMemory implements StagingBuffer {
        HostStaging(int floats) {
            super(floats, "staging buffer");
        }

        @Override
        public void write(long offset, float[] src, int srcOffset, int count) {
            DeviceChecks.range(floats(), offset, count, "staging write");
            System.arraycopy(src, srcOffset, live(), (int) offset, count);
        }

        @Override
        public void read(long offset, float[] dst, int dstOffset, int count) {
            DeviceChecks.range(floats(), offset, count, "staging read");
            System.arraycopy(live(), (int) offset, dst, dstOffset, count);
        }
    }
}
