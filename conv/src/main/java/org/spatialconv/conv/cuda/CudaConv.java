package org.spatialconv.conv.cuda;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Window;
import org.spatialconv.conv.device.DeviceChecks;

/**
 * Convolution passes on device-resident buffers: the layer the {@link CudaBackend} (host tensors) and the GPU
 * benchmark (device tensors, no copies) share. Launches are queued on the given stream and not waited for, except
 * on the first call of a problem that {@link TileSelector} measures: then the caller's stream is waited for and
 * every candidate tile variant is timed (on a private stream, writing the same output window the real launch then
 * overwrites, or, for backward-filter, the workspace).
 */
public final class CudaConv {
    private final KernelLauncher module;
    private final int sms;
    private final TileSelector<ConvProblem> tiles;
    private final TileSelector<ConvProblem> filterTiles;
    private final DeviceLaunchTimer timer;
    private final Map<ConvProblem, Long> filterWorkspace = new ConcurrentHashMap<>();

    /**
     * Launches through {@code module} for a device with {@code sms} multiprocessors, the heuristic tile everywhere
     * (or the one {@link TileSelector#PROPERTY} forces); nothing is timed.
     */
    public CudaConv(KernelLauncher module, int sms) {
        this(module, sms, heuristicUnlessForced(TileSelector.Policy.fromSystem()), null);
    }

    /**
     * Launches through {@code module}, choosing tiles by {@code policy}; {@code timer} (null: none) times the
     * candidates where the policy measures. The timer stays the caller's to close.
     */
    CudaConv(KernelLauncher module, int sms, TileSelector.Policy policy, DeviceLaunchTimer timer) {
        this.module = module;
        this.sms = sms;
        this.timer = timer;
        this.tiles = new TileSelector<>(policy, timer != null);
        // A forced tile that backward-filter does not have (m32, m64n128, ...) leaves backward-filter heuristic.
        boolean filterTile = policy.mode() != TileSelector.Mode.FORCED
                || ConvLaunch.filterVariantNames().contains(policy.variant());
        this.filterTiles = new TileSelector<>(filterTile ? policy : new TileSelector.Policy(TileSelector.Mode.HEURISTIC,
                null, policy.source() + ", not a backward-filter tile", false), timer != null);
    }

    private static TileSelector.Policy heuristicUnlessForced(TileSelector.Policy p) {
        return p.mode() == TileSelector.Mode.FORCED ? p : TileSelector.Policy.HEURISTIC;
    }

    /** The tile choices made so far, per problem (all three passes; forced ones are not recorded). */
    public Map<ConvProblem, TileSelector.Choice> tileChoices() {
        Map<ConvProblem, TileSelector.Choice> m = new HashMap<>(tiles.choices());
        m.putAll(filterTiles.choices());
        return Map.copyOf(m);
    }

    /** The tile policy in force. */
    public TileSelector.Policy tilePolicy() {
        return tiles.policy();
    }

    /** y[window] = conv(x, w) (+ bias when non-null). */
    public void forward(DeviceArray x, Shape xs, DeviceArray w, Shape ws, DeviceArray bias, ConvGeometry g,
            DeviceArray y, Window win, CudaStream stream) {
        ConvProblem key = new ConvProblem(ConvPass.FORWARD, xs, ws, g, win, bias != null, false);
        run(key, v -> ConvLaunch.forward(xs, ws, g, win, v), new KernelArgs().buffer(x).buffer(w).buffer(bias).buffer(y),
                stream);
    }

    /** dx[window] = full backward-data sum. */
    public void backwardData(DeviceArray dy, DeviceArray w, Shape ws, ConvGeometry g, DeviceArray dx, Shape xs,
            Window win, CudaStream stream) {
        ConvProblem key = new ConvProblem(ConvPass.BACKWARD_DATA, xs, ws, g, win, false, false);
        run(key, v -> ConvLaunch.backwardData(xs, ws, g, win, v), new KernelArgs().buffer(dy).buffer(w).buffer(dx),
                stream);
    }

    /**
     * Launches a forward or backward-data problem with the variant {@link TileSelector} chooses ({@code make}: the
     * launch of a variant, null for the heuristic one), timing the candidates where it measures. Every variant takes
     * the same arguments: {@code buffers}, then the ConvParams struct.
     */
    private void run(ConvProblem key, Function<String, ConvLaunch> make, KernelArgs buffers, CudaStream stream) {
        ConvLaunch heuristic = make.apply(null);
        KernelArgs args = buffers.struct(heuristic.params());
        int[] p = heuristic.params();
        // GEMM rows (filters or channels per group), pixels and reduction per row, as the kernels see them.
        boolean fwd = key.pass() == ConvPass.FORWARD;
        int rows = fwd ? p[9] : p[8];
        long pixels = (long) p[0] * p[20] * p[21];
        double flops = 2.0 * rows * pixels * (fwd ? p[8] : p[9]) * p[10] * p[11] * p[7];
        String v = tiles.choose(key, flops, () -> ConvLaunch.candidateVariants(rows, pixels, tiles.policy().tf32()),
                variant -> timer.millis(stream, st -> launch(make.apply(variant), args, st)));
        launch(make.apply(v), args, stream);
    }

    private void launch(ConvLaunch l, KernelArgs args, CudaStream stream) {
        module.launch(l.kernel(), l.grid(), l.block(), stream, args);
    }

    /**
     * The workspace (floats) backward-filter needs for this problem: the most any variant it may run needs (the
     * split factor depends on the tile).
     */
    public long backwardFilterWorkspace(Shape xs, Shape ws, ConvGeometry g, Window dyWindow) {
        // Asked on every backward-filter call by the engines and runtimes: computed once per problem.
        return filterWorkspace.computeIfAbsent(new ConvProblem(ConvPass.BACKWARD_FILTER, xs, ws, g, dyWindow, false,
                false), k -> {
                    long most = 0;
                    for (String v : filterVariants(ws, g)) {
                        most = Math.max(most, ConvLaunch.backwardFilter(xs, ws, g, dyWindow, sms, v).workspaceFloats());
                    }
                    return most;
                });
    }

    /** The backward-filter variants a problem may run: the candidates, and the forced one. */
    private List<String> filterVariants(Shape ws, ConvGeometry g) {
        List<String> v = new ArrayList<>(ConvLaunch.filterCandidateVariants(ws.dim(0) / g.groups()));
        TileSelector.Policy policy = filterTiles.policy();
        if (policy.mode() == TileSelector.Mode.FORCED) {
            v.add(policy.variant());
        }
        return v;
    }

    /**
     * dw (+)= sum over the dy window, through {@code workspace} (see {@link #backwardFilterWorkspace}). Where the
     * tile is measured, each candidate's split kernel is timed into the workspace (the reduction is the same for
     * all and runs once, after).
     */
    public void backwardFilter(DeviceArray x, Shape xs, DeviceArray dy, ConvGeometry g, DeviceArray dw, Shape ws,
            Window dyWindow, boolean accumulate, DeviceArray workspace, CudaStream stream) {
        ConvProblem key = new ConvProblem(ConvPass.BACKWARD_FILTER, xs, ws, g, dyWindow, false, accumulate);
        Function<String, ConvLaunch> make = v -> ConvLaunch.backwardFilter(xs, ws, g, dyWindow, sms, v);
        int kg = ws.dim(0) / g.groups();
        long pixels = (long) xs.n() * dyWindow.extent(0) * dyWindow.extent(1);
        double flops = 2.0 * kg * pixels * ws.size() / ws.dim(0) * g.groups();
        String v = filterTiles.choose(key, flops, () -> ConvLaunch.filterCandidateVariants(kg),
                variant -> timer.millis(stream, st -> launchFilter(make.apply(variant), x, dy, workspace, st)));
        ConvLaunch l = make.apply(v);
        launchFilter(l, x, dy, workspace, stream);
        int count = ws.size();
        module.launch("sc_splitk_reduce", ConvLaunch.elementwiseGrid(count, 256), 256, stream, new KernelArgs()
                .buffer(workspace).buffer(dw).i(count).i(l.splits()).i(accumulate ? 1 : 0));
    }

    /** The split kernel of {@code l}, after checking that its partial sums fit {@code workspace}. */
    private void launchFilter(ConvLaunch l, DeviceArray x, DeviceArray dy, DeviceArray workspace, CudaStream stream) {
        if (workspace.floats() < l.workspaceFloats()) {
            throw new IllegalArgumentException("workspace has " + workspace.floats() + " floats, " + l.kernel()
                    + " needs " + l.workspaceFloats() + " (size it with backwardFilterWorkspace)");
        }
        module.launch(l.kernel(), l.grid(), l.block(), stream, new KernelArgs().buffer(x).buffer(dy).buffer(workspace)
                .struct(l.params()).i(l.splits()));
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
