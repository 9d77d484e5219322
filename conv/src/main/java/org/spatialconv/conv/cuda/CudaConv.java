package org.spatialconv.conv.cuda;

import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Window;
import org.spatialconv.conv.device.DeviceChecks;

/**
 * Convolution passes on device-resident buffers: the layer the {@link CudaBackend} (host tensors) and the GPU
 * benchmark (device tensors, no copies) share. Launches are queued on the given stream and not waited for.
 */
public final class CudaConv {
    private final KernelLauncher module;
    private final int sms;

    /** Launches through {@code module} (a {@link CudaModule} on a GPU) for a device with {@code sms} multiprocessors. */
    public CudaConv(KernelLauncher module, int sms) {
        this.module = module;
        this.sms = sms;
    }

    /** y[window] = conv(x, w) (+ bias when non-null). */
    public void forward(DeviceArray x, Shape xs, DeviceArray w, Shape ws, DeviceArray bias, ConvGeometry g,
            DeviceArray y, Window win, CudaStream stream) {
        ConvLaunch l = ConvLaunch.forward(xs, ws, g, win);
        module.launch(l.kernel(), l.grid(), l.block(), stream,
                new KernelArgs().buffer(x).buffer(w).buffer(bias).buffer(y).struct(l.params()));
    }

    /** dx[window] = full backward-data sum. */
    public void backwardData(DeviceArray dy, DeviceArray w, Shape ws, ConvGeometry g, DeviceArray dx, Shape xs,
            Window win, CudaStream stream) {
        ConvLaunch l = ConvLaunch.backwardData(xs, ws, g, win);
        module.launch(l.kernel(), l.grid(), l.block(), stream,
                new KernelArgs().buffer(dy).buffer(w).buffer(dx).struct(l.params()));
    }

    /** The workspace (floats) backward-filter needs for this problem. */
    public long backwardFilterWorkspace(Shape xs, Shape ws, ConvGeometry g, Window dyWindow) {
        return ConvLaunch.backwardFilter(xs, ws, g, dyWindow, sms).workspaceFloats();
    }

    /** dw (+)= sum over the dy window, through {@code workspace} (see {@link #backwardFilterWorkspace}). */
    public void backwardFilter(DeviceArray x, Shape xs, DeviceArray dy, ConvGeometry g, DeviceArray dw, Shape ws,
            Window dyWindow, boolean accumulate, DeviceArray workspace, CudaStream stream) {
        ConvLaunch l = ConvLaunch.backwardFilter(xs, ws, g, dyWindow, sms);
        if (workspace.floats() < l.workspaceFloats()) {
            throw new IllegalArgumentException("workspace has " + workspace.floats() + " floats, needs "
                    + l.workspaceFloats());
        }
        module.launch(l.kernel(), l.grid(), l.block(), stream, new KernelArgs().buffer(x).buffer(dy).buffer(workspace)
                .struct(l.params()).i(l.splits()));
        int count = ws.size();
        module.launch("sc_splitk_reduce", ConvLaunch.elementwiseGrid(count, 256), 256, stream, new KernelArgs()
                .buffer(workspace).buffer(dw).i(count).i(l.splits()).i(accumulate ? 1 : 0));
    }

    /** db[k] (+)= sum of dy over N and the window. */
    public void biasBackward(DeviceArray dy, Shape ys, DeviceArray db, Window win, boolean accumulate,
            CudaStream stream) {
        module.launch("sc_bias_grad", new int[] {ys.c(), 1, 1}, 256, stream, new KernelArgs().buffer(dy).buffer(db)
                .i(ys.n()).i(ys.c()).i(ys.h()).i(ys.w()).i(win.lo(0)).i(win.lo(1)).i(win.extent(0)).i(win.extent(1))
                .i(accumulate ? 1 : 0));
    }

    /**
     * Packs the box {@code [lo, lo+ext)} of a 4-D tensor with dimensions {@code dims} into {@code buf} (row-major
     * box order).
     */
    public void pack(DeviceArray src, int[] dims, int[] lo, int[] ext, DeviceArray buf, CudaStream stream) {
        module.launch("sc_pack4", packGrid(ext), PACK_THREADS, stream,
                new KernelArgs().buffer(src).buffer(buf).struct(box(dims, lo, ext)));
    }

    /** Unpacks {@code buf} into the box of {@code dst}, adding when {@code accumulate}. */
    public void unpack(DeviceArray buf, DeviceArray dst, int[] dims, int[] lo, int[] ext, boolean accumulate,
            CudaStream stream) {
        module.launch("sc_unpack4", packGrid(ext), PACK_THREADS, stream, new KernelArgs().buffer(buf).buffer(dst)
                .struct(box(dims, lo, ext)).i(accumulate ? 1 : 0));
    }

    /** Threads per block of pack/unpack (along the innermost box extent). */
    static final int PACK_THREADS = 128;

    /** Grid of pack/unpack: x covers the innermost extent, y the other rows (grid-stride beyond 65535). */
    static int[] packGrid(int[] ext) {
        long rows = (long) ext[0] * ext[1] * ext[2];
        return new int[] {(int) ConvLaunch.ceilDiv(ext[3], PACK_THREADS), (int) Math.max(1, Math.min(rows, 65535)), 1};
    }

    /** The Box4 struct: dims, lo, ext (validated: the box lies inside the tensor and is not empty). */
    static int[] box(int[] dims, int[] lo, int[] ext) {
        DeviceChecks.box(dims, lo, ext);
        int[] b = new int[12];
        System.arraycopy(dims, 0, b, 0, 4);
        System.arraycopy(lo, 0, b, 4, 4);
        System.arraycopy(ext, 0, b, 8, 4);
        return b;
    }
}
