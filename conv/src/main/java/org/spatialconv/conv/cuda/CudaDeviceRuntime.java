package org.spatialconv.conv.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyPeerAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;

import java.util.IdentityHashMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Window;
import org.spatialconv.conv.device.DeviceChecks;
import org.spatialconv.conv.device.DeviceEvent;
import org.spatialconv.conv.device.DeviceFloats;
import org.spatialconv.conv.device.DeviceRuntime;
import org.spatialconv.conv.device.DeviceStream;
import org.spatialconv.conv.device.DeviceTensor;
import org.spatialconv.conv.device.StagingBuffer;

/**
 * {@link DeviceRuntime} on a {@link CudaGpu}: a thin layer over the driver API and the custom kernels. Streams are
 * non-blocking CUDA streams, events are CUDA events (waits work across contexts and devices), copies are
 * {@code cuMemcpy*Async} ({@code cuMemcpyPeerAsync} between contexts), and the kernels are {@link CudaConv}'s and
 * {@link CudaOps}'s. Host copies go through a page-locked buffer of this runtime, so they are ordered on the given
 * stream rather than on the legacy default stream (which non-blocking streams do not synchronise with).
 */
public final class CudaDeviceRuntime implements DeviceRuntime {
    private final CudaGpu gpu;
    private final CudaContext ctx;
    private final ResourceTracker tracker = new ResourceTracker();
    /** Zero-fills new arrays. */
    private final CudaStream internal;
    /** Backward-filter workspace per stream (a stream runs its kernels in order, so one buffer each suffices). */
    private final Map<CudaStream, DeviceBuffer> workspaces = new IdentityHashMap<>();
    private PinnedHostBuffer hostStage;
    private boolean closed;

    CudaDeviceRuntime(CudaGpu gpu) {
        this.gpu = gpu;
        this.ctx = gpu.context();
        this.internal = ctx.createStream();
    }

    @Override
    public String description() {
        return "cuda:" + ctx.ordinal() + " " + ctx.deviceName();
    }

    @Override
    public DeviceFloats allocate(long floats) {
        DeviceBuffer b = ctx.allocate(floats);
        try {
            CudaCheck.check(cuMemsetD32Async(b.pointer(), 0, floats, internal.handle()), "cuMemsetD32Async");
            internal.synchronize();
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        return new Floats(b);
    }

    @Override
    public StagingBuffer allocateStaging(long floats) {
        return new Staging(ctx.allocatePinned(floats));
    }

    @Override
    public DeviceStream createStream() {
        return new Stream(ctx.createStream());
    }

    @Override
    public DeviceEvent createEvent() {
        return new Event(ctx.createEvent());
    }

    @Override
    public synchronized void upload(float[] src, int srcOffset, DeviceFloats dst, long dstOffset, int count,
            DeviceStream s) {
        DeviceChecks.range(src.length, srcOffset, count, "upload source");
        DeviceChecks.range(dst, dstOffset, count, "upload destination");
        if (count == 0) {
            return;
        }
        PinnedHostBuffer p = stage(count);
        p.asFloatBuffer().put(src, srcOffset, count);
        CudaStream st = stream(s);
        CudaCheck.check(cuMemcpyHtoDAsync(at(dst, dstOffset), p.pointer(), bytes(count), st.handle()),
                "cuMemcpyHtoDAsync");
        st.synchronize();
    }

    @Override
    public synchronized void download(DeviceFloats src, long srcOffset, float[] dst, int dstOffset, int count,
            DeviceStream s) {
        DeviceChecks.range(src, srcOffset, count, "download source");
        DeviceChecks.range(dst.length, dstOffset, count, "download destination");
        if (count == 0) {
            return;
        }
        PinnedHostBuffer p = stage(count);
        CudaStream st = stream(s);
        CudaCheck.check(cuMemcpyDtoHAsync(p.pointer(), at(src, srcOffset), bytes(count), st.handle()),
                "cuMemcpyDtoHAsync");
        st.synchronize();
        p.asFloatBuffer().get(dst, dstOffset, count);
    }

    @Override
    public void copy(DeviceFloats src, long srcOffset, DeviceFloats dst, long dstOffset, long count, DeviceStream s) {
        DeviceChecks.range(src, srcOffset, count, "copy source");
        DeviceChecks.range(dst, dstOffset, count, "copy destination");
        if (count == 0) {
            return;
        }
        CudaContext from = floats(src).context();
        CudaContext to = floats(dst).context();
        ctx.makeCurrent();
        if (from == to) {
            CudaCheck.check(cuMemcpyDtoDAsync(at(dst, dstOffset), at(src, srcOffset), bytes(count),
                    stream(s).handle()), "cuMemcpyDtoDAsync");
        } else {
            CudaCheck.check(cuMemcpyPeerAsync(at(dst, dstOffset), to.handle(), at(src, srcOffset), from.handle(),
                    bytes(count), stream(s).handle()), "cuMemcpyPeerAsync");
        }
    }

    @Override
    public void copyToStaging(DeviceFloats src, long srcOffset, StagingBuffer dst, long dstOffset, long count,
            DeviceStream s) {
        DeviceChecks.range(src, srcOffset, count, "staging copy source");
        DeviceChecks.range(dst.floats(), dstOffset, count, "staging copy destination");
        ctx.makeCurrent();
        CudaCheck.check(cuMemcpyDtoHAsync(pinned(dst).withByteOffset(bytes(dstOffset)), at(src, srcOffset),
                bytes(count), stream(s).handle()), "cuMemcpyDtoHAsync");
    }

    @Override
    public void copyFromStaging(StagingBuffer src, long srcOffset, DeviceFloats dst, long dstOffset, long count,
            DeviceStream s) {
        DeviceChecks.range(src.floats(), srcOffset, count, "staging copy source");
        DeviceChecks.range(dst, dstOffset, count, "staging copy destination");
        ctx.makeCurrent();
        CudaCheck.check(cuMemcpyHtoDAsync(at(dst, dstOffset), pinned(src).withByteOffset(bytes(srcOffset)),
                bytes(count), stream(s).handle()), "cuMemcpyHtoDAsync");
    }

    @Override
    public void zero(DeviceFloats a, DeviceStream s) {
        ctx.makeCurrent();
        CudaCheck.check(cuMemsetD32Async(floats(a).pointer(), 0, a.floats(), stream(s).handle()), "cuMemsetD32Async");
    }

    @Override
    public void biasAdd(DeviceTensor y, DeviceFloats bias, DeviceStream s) {
        Shape ys = y.shape();
        DeviceChecks.biasAdd(y, bias);
        gpu.ops().biasAdd(floats(y.floats()), ys, floats(bias), 0, ys.h(), 0, ys.w(), stream(s));
    }

    @Override
    public void pack(DeviceTensor src, int[] lo, int[] ext, DeviceFloats buf, DeviceStream s) {
        DeviceChecks.packBox(src, lo, ext, buf);
        gpu.conv().pack(floats(src.floats()), src.shape().dims(), lo, ext, floats(buf), stream(s));
    }

    @Override
    public void unpack(DeviceFloats buf, DeviceTensor dst, int[] lo, int[] ext, boolean accumulate, DeviceStream s) {
        DeviceChecks.packBox(dst, lo, ext, buf);
        gpu.conv().unpack(floats(buf), floats(dst.floats()), dst.shape().dims(), lo, ext, accumulate, stream(s));
    }

    @Override
    public void convForward(DeviceTensor x, DeviceTensor w, DeviceFloats bias, ConvGeometry g, DeviceTensor y,
            Window win, DeviceStream s) {
        DeviceChecks.forward(x, w, bias, g, y, win);
        if (!win.isEmpty()) {
            gpu.conv().forward(floats(x.floats()), x.shape(), floats(w.floats()), w.shape(),
                    bias == null ? null : floats(bias), g, floats(y.floats()), win, stream(s));
        }
    }

    @Override
    public void convBackwardData(DeviceTensor dy, DeviceTensor w, ConvGeometry g, DeviceTensor dx, Window win,
            DeviceStream s) {
        DeviceChecks.backwardData(dy, w, g, dx, win);
        if (!win.isEmpty()) {
            gpu.conv().backwardData(floats(dy.floats()), floats(w.floats()), w.shape(), g, floats(dx.floats()),
                    dx.shape(), win, stream(s));
        }
    }

    @Override
    public void convBackwardFilter(DeviceTensor x, DeviceTensor dy, ConvGeometry g, DeviceTensor dw, Window win,
            boolean accumulate, DeviceStream s) {
        DeviceChecks.backwardFilter(x, dy, g, dw, win);
        if (win.isEmpty()) {
            if (!accumulate) {
                zero(dw.floats(), s);
            }
            return;
        }
        CudaStream st = stream(s);
        long need = gpu.conv().backwardFilterWorkspace(x.shape(), dw.shape(), g, win);
        gpu.conv().backwardFilter(floats(x.floats()), x.shape(), floats(dy.floats()), g, floats(dw.floats()),
                dw.shape(), win, accumulate, workspace(st, need), st);
    }

    @Override
    public void biasBackward(DeviceTensor dy, DeviceFloats db, Window win, boolean accumulate, DeviceStream s) {
        DeviceChecks.biasBackward(dy, db, win);
        if (win.isEmpty()) {
            if (!accumulate) {
                zero(db, s);
            }
            return;
        }
        gpu.conv().biasBackward(floats(dy.floats()), dy.shape(), floats(db), win, accumulate, stream(s));
    }

    @Override
    public int openResources() {
        return tracker.openCount();
    }

    /** Frees the runtime's own buffers and stream; throws if arrays, buffers, streams or events were leaked. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            internal.synchronize();
            for (DeviceBuffer b : workspaces.values()) {
                b.close();
            }
            if (hostStage != null) {
                hostStage.close();
            }
            internal.close();
        } finally {
            tracker.close("CUDA device runtime on " + ctx.ordinal());
        }
    }

    /** A workspace of at least {@code floats} for work on {@code s}; replacing a smaller one waits for {@code s}. */
    private DeviceBuffer workspace(CudaStream s, long floats) {
        DeviceBuffer b = workspaces.get(s);
        if (b == null || b.floats() < floats) {
            if (b != null) {
                s.synchronize();
                b.close();
            }
            b = ctx.allocate(Math.max(1, floats));
            workspaces.put(s, b);
        }
        return b;
    }

    private PinnedHostBuffer stage(int count) {
        if (hostStage == null || hostStage.floats() < count) {
            if (hostStage != null) {
                hostStage.close();
            }
            hostStage = ctx.allocatePinned(count);
        }
        return hostStage;
    }

    private static long bytes(long floats) {
        return floats * Sizeof.FLOAT;
    }

    private static CUdeviceptr at(DeviceFloats a, long offset) {
        return floats(a).pointer().withByteOffset(bytes(offset));
    }

    private static Floats floats(DeviceFloats a) {
        return DeviceChecks.as(Floats.class, a, "a CUDA device array");
    }

    private static Pointer pinned(StagingBuffer b) {
        return DeviceChecks.as(Staging.class, b, "a CUDA staging buffer").buffer.pointer();
    }

    private static CudaStream stream(DeviceStream s) {
        return DeviceChecks.as(Stream.class, s, "a CUDA stream").stream;
    }

    private static CudaEvent event(DeviceEvent e) {
        return DeviceChecks.as(Event.class, e, "a CUDA event").event;
    }

    /** A tracked device array; also what {@link CudaConv} launches on. */
    private final class Floats implements DeviceFloats, DeviceArray {
        private final DeviceBuffer buffer;

        Floats(DeviceBuffer buffer) {
            this.buffer = buffer;
            tracker.opened(this, "device array", bytes(buffer.floats()));
        }

        CudaContext context() {
            return ctx;
        }

        @Override
        public long floats() {
            return buffer.floats();
        }

        @Override
        public CUdeviceptr pointer() {
            return buffer.pointer();
        }

        @Override
        public void close() {
            if (tracker.closedResource(this, bytes(buffer.floats()))) {
                buffer.close();
            }
        }
    }

    private final class Staging implements StagingBuffer {
        private final PinnedHostBuffer buffer;

        Staging(PinnedHostBuffer buffer) {
            this.buffer = buffer;
            tracker.opened(this, "staging buffer", bytes(buffer.floats()));
        }

        @Override
        public long floats() {
            return buffer.floats();
        }

        @Override
        public void write(long offset, float[] src, int srcOffset, int count) {
            DeviceChecks.range(floats(), offset, count, "staging write");
            buffer.asFloatBuffer().position((int) offset).put(src, srcOffset, count);
        }

        @Override
        public void read(long offset, float[] dst, int dstOffset, int count) {
            DeviceChecks.range(floats(), offset, count, "staging read");
            buffer.asFloatBuffer().position((int) offset).get(dst, dstOffset, count);
        }

        @Override
        public void close() {
            if (tracker.closedResource(this, bytes(buffer.floats()))) {
                buffer.close();
            }
        }
    }

    private final class Stream implements DeviceStream {
        private final CudaStream stream;

        Stream(CudaStream stream) {
            this.stream = stream;
            tracker.opened(this, "stream", 0);
        }

        @Override
        public void waitFor(DeviceEvent e) {
            ctx.makeCurrent();
            event(e).waitOn(stream);
        }

        @Override
        public void synchronize() {
            stream.synchronize();
        }

        @Override
        public void close() {
            if (tracker.closedResource(this, 0)) {
                CudaStream s = stream;
                DeviceBuffer w = workspaces.remove(s);
                if (w != null) {
                    s.synchronize();
                    w.close();
                }
                s.close();
            }
        }
    }

    private final class Event implements DeviceEvent {
        private final CudaEvent event;

        Event(CudaEvent event) {
            this.event = event;
            tracker.opened(this, "event", 0);
        }

        @Override
        public void record(DeviceStream s) {
            event.record(stream(s));
        }

        @Override
        public void synchronize() {
            ctx.makeCurrent();
            event.synchronize();
        }

        @Override
        public void close() {
            if (tracker.closedResource(this, 0)) {
                event.close();
            }
        }
    }
}
