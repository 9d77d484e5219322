package org.spatialconv.decomposition.device;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.device.DeviceFloats;
import org.spatialconv.conv.device.DeviceRuntime;
import org.spatialconv.decomposition.comm.Communicator;
import org.spatialconv.decomposition.comm.jvm.InJvmWorld;
import org.spatialconv.decomposition.exchange.Block;
import org.spatialconv.decomposition.exchange.Boxes;
import org.spatialconv.decomposition.exchange.ExchangeMode;
import org.spatialconv.decomposition.grid.Region;
import org.spatialconv.decomposition.layer.ConvPlan;
import org.spatialconv.decomposition.layer.OverlapMode;

/**
 * Runs a {@link DeviceDistributedConv} on ranks that are threads of this JVM, from global host tensors: for tests,
 * the GPU test suite and the distributed GPU benchmark. Each launch creates every rank's runtime with the factory
 * (on the rank's thread), scatters the inputs, runs the passes, gathers the results and closes the runtime, whose
 * leak check then fails the rank if any device array, buffer, stream or event was left open.
 */
public final class DeviceConvRunner {
    /** How ranks move halos. */
    public enum Transport {
        /** Device-to-device copies between the ranks' buffers ({@link PeerCopyTransport}). */
        PEER_COPY,
        /** Page-locked host staging over the in-JVM communicator, as between processes ({@link StagedTransport}). */
        HOST_STAGED
    }

    /**
     * Global inputs of one problem.
     *
     * @param x    input
     * @param w    weights
     * @param bias bias, or null (then no bias gradients are computed)
     * @param dy   output gradient
     */
    public record Inputs(Tensor x, Tensor w, Tensor bias, Tensor dy) {
    }

    /**
     * Global results of one problem.
     *
     * @param y       forward output
     * @param dx      input gradient
     * @param dw      weight gradient
     * @param db      bias gradient computed with the weight gradient (null without bias)
     * @param dbAlone bias gradient from {@link DeviceDistributedConv#biasBackward} alone (null without bias)
     */
    public record Result(Tensor y, Tensor dx, Tensor dw, Tensor db, Tensor dbAlone) {
    }

    private final ConvPlan plan;
    private final IntFunction<DeviceRuntime> devices;
    private final Transport transport;
    private final OverlapMode overlap;
    private final Duration timeout;
    private final UnaryOperator<DeviceTransport> wrap;

    /** A runner of {@code plan} whose rank {@code r} runs on {@code devices.apply(r)}. */
    public DeviceConvRunner(ConvPlan plan, IntFunction<DeviceRuntime> devices, Transport transport,
            OverlapMode overlap, Duration timeout) {
        this(plan, devices, transport, overlap, timeout, UnaryOperator.identity());
    }

    /** As above, with every rank's transport passed through {@code wrap} (tests break transports with it). */
    DeviceConvRunner(ConvPlan plan, IntFunction<DeviceRuntime> devices, Transport transport, OverlapMode overlap,
            Duration timeout, UnaryOperator<DeviceTransport> wrap) {
        this.plan = plan;
        this.devices = devices;
        this.transport = transport;
        this.overlap = overlap;
        this.timeout = timeout;
        this.wrap = wrap;
    }

    /** The plan. */
    public ConvPlan plan() {
        return plan;
    }

    /**
     * Forward, backward-data, backward-filter with bias gradient (using the halo the forward pass left), and the
     * bias gradient alone, on global tensors.
     */
    public Result run(Tensor x, Tensor w, Tensor bias, Tensor dy) {
        return run(List.of(new Inputs(x, w, bias, dy))).get(0);
    }

    /**
     * Runs several problems back to back on the same ranks, each with its own device arrays: every rank uploads its
     * inputs to scratch arrays and queues their copies into place on the compute stream (so they are produced
     * asynchronously, like a previous layer's output), then the forward passes of
     * all problems, then their backward-data passes, with no synchronisation in between, then backward-filter and
     * bias (whose allreduce synchronises), and only then downloads the results. Any missing ordering between
     * streams, ranks or consecutive calls then shows up as a wrong result.
     */
    public List<Result> run(List<Inputs> problems) {
        List<Result> results = emptyResults(problems);
        launch(problems, passes(results));
        return results;
    }

    /**
     * One rank's part of {@link #run(List)} over {@code comm}, for ranks in separate processes (an MPJ world):
     * needs the {@link Transport#HOST_STAGED} transport and {@code comm.size()} equal to the grid's size. Every
     * process passes the same global inputs; the results hold this rank's owned parts of y and dx (zeros
     * elsewhere) and, on rank 0 only, the weight and bias gradients. The device is created with the runner's
     * factory for {@code comm.rank()}.
     *
     * @throws Exception what failed on this rank, or the failure of another rank as the communicator reports it
     */
    public List<Result> runRank(Communicator comm, List<Inputs> problems) throws Exception {
        if (transport != Transport.HOST_STAGED) {
            throw new IllegalArgumentException("ranks in separate processes need the HOST_STAGED transport, got "
                    + transport);
        }
        if (comm.size() != plan.grid().size()) {
            throw new IllegalArgumentException("grid " + plan.grid() + " needs " + plan.grid().size()
                    + " ranks, the communicator has " + comm.size());
        }
        List<Result> results = emptyResults(problems);
        rankBody(comm, null, problems, passes(results));
        return results;
    }

    private List<Result> emptyResults(List<Inputs> problems) {
        List<Result> results = new ArrayList<>();
        for (Inputs in : problems) {
            requireInputs(in.x, in.w, in.bias, in.dy);
            boolean b = in.bias != null;
            results.add(new Result(Tensor.zeros(plan.outputShape()), Tensor.zeros(plan.inputShape()),
                    Tensor.zeros(plan.weightShape()), b ? Tensor.zeros(in.bias.shape()) : null,
                    b ? Tensor.zeros(in.bias.shape()) : null));
        }
        return results;
    }

    /** The passes of {@link #run(List)}, writing each rank's parts of the results into {@code results}. */
    private RankWork passes(List<Result> results) {
        return (r, conv, arrays) -> {
            for (RankArrays a : arrays) {
                conv.forward(a.x, a.w, a.bias, a.y);
            }
            for (RankArrays a : arrays) {
                conv.backwardData(a.dy, a.w, a.dx);
            }
            for (RankArrays a : arrays) {
                conv.backwardFilter(a.x, a.dy, a.dw, a.db);
                if (a.bias != null) {
                    conv.biasBackward(a.dy, a.dbAlone);
                }
            }
            for (int i = 0; i < arrays.size(); i++) {
                RankArrays a = arrays.get(i);
                Result res = results.get(i);
                a.gather(a.y, conv.outputShape(), plan.ownOutput(r), plan.ownOutput(r), res.y());
                a.gather(a.dx, conv.blockShape(), plan.blockBox(r), plan.ownInput(r), res.dx());
                if (r == 0) {
                    a.download(a.dw, res.dw());
                    if (a.bias != null) {
                        a.download(a.db, res.db());
                        a.download(a.dbAlone, res.dbAlone());
                    }
                }
            }
        };
    }

    /**
     * Median wall time in milliseconds of a training step's convolution (forward, backward-data, backward-filter
     * with bias, all synchronised) after {@code warmup} untimed steps; rank 0's clock between barriers.
     */
    public double medianStepMillis(Tensor x, Tensor w, Tensor bias, Tensor dy, int warmup, int iterations) {
        requireInputs(x, w, bias, dy);
        if (warmup < 0 || iterations < 1) {
            throw new IllegalArgumentException("need warmup >= 0 and iterations >= 1");
        }
        double[] ms = new double[iterations];
        launch(List.of(new Inputs(x, w, bias, dy)), (r, conv, arrays) -> {
            RankArrays a = arrays.get(0);
            for (int i = -warmup; i < iterations; i++) {
                a.comm.barrier();
                long t0 = System.nanoTime();
                conv.forward(a.x, a.w, a.bias, a.y);
                conv.backwardData(a.dy, a.w, a.dx);
                conv.backwardFilter(a.x, a.dy, a.dw, a.db);
                conv.stream().synchronize();
                a.comm.barrier();
                if (r == 0 && i >= 0) {
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                }
            }
        });
        Arrays.sort(ms);
        return ms[iterations / 2];
    }

    private void requireInputs(Tensor x, Tensor w, Tensor bias, Tensor dy) {
        if (x == null || w == null || dy == null) {
            throw new IllegalArgumentException("input, weights and output gradient are required");
        }
        requireShape(x, plan.inputShape(), "input");
        requireShape(w, plan.weightShape(), "weights");
        requireShape(dy, plan.outputShape(), "output gradient");
        if (bias != null) {
            requireShape(bias, Shape.of(plan.outputShape().c()), "bias");
        }
    }

    private static void requireShape(Tensor t, Shape want, String what) {
        if (!t.shape().equals(want)) {
            throw new IllegalArgumentException(what + " has shape " + t.shape() + ", expected " + want);
        }
    }

    /** What one rank does once its arrays hold its part of the inputs. */
    @FunctionalInterface
    private interface RankWork {
        void run(int rank, DeviceDistributedConv conv, List<RankArrays> arrays);
    }

    private void launch(List<Inputs> problems, RankWork work) {
        int p = plan.grid().size();
        PeerBoard board = new PeerBoard(p, timeout);
        InJvmWorld.launch(p, timeout, comm -> {
            rankBody(comm, board, problems, work);
            return null;
        });
    }

    /** One rank: device, transport (peer copies through {@code board}, or staged when it is null), layer, work. */
    private void rankBody(Communicator comm, PeerBoard board, List<Inputs> problems, RankWork work) throws Exception {
        int r = comm.rank();
        DeviceRuntime device = null;
        DeviceDistributedConv conv = null;
        List<RankArrays> arrays = new ArrayList<>();
        Throwable failure = null;
        try {
            device = devices.apply(r);
            DeviceTransport t = wrap.apply(board != null && transport == Transport.PEER_COPY
                    ? new PeerCopyTransport(board, r, device) : new StagedTransport(comm, device));
            conv = new DeviceDistributedConv(comm, device, t, plan, overlap, 0);
            for (Inputs in : problems) {
                RankArrays a = new RankArrays(comm, device, conv, in.bias != null);
                arrays.add(a);
                a.upload(in, r);
            }
            for (RankArrays a : arrays) {
                a.queueInputs();
            }
            work.run(r, conv, arrays);
        } catch (Throwable e) {
            // before any cleanup, so this failure, not a consequence of it on a peer, is the one reported
            failure = e;
            abort(comm, board, e);
        }
        // The layer first: it drains the streams (which may still read the arrays) and, after a failure, waits
        // for the peers before freeing its buffers. Then the arrays, then the runtime (its leak check).
        failure = release(conv, failure);
        failure = release(() -> closeAll(arrays), failure);
        if (device != null) {
            failure = release(device, failure);
        }
        if (failure != null) {
            abort(comm, board, failure);
            if (failure instanceof Error err) {
                throw err;
            }
            throw (Exception) failure;
        }
    }

    /** Fails the group with {@code cause}: the communicator first (it names the reported rank), then the board. */
    private static void abort(Communicator comm, PeerBoard board, Throwable cause) {
        comm.abort(cause);
        if (board != null) {
            board.fail(comm.rank(), cause);
        }
    }

    /** Closes {@code resource} (if non-null); returns {@code failure}, or the close's failure if there was none. */
    private static Throwable release(AutoCloseable resource, Throwable failure) {
        if (resource == null) {
            return failure;
        }
        try {
            resource.close();
        } catch (Throwable e) {
            if (failure == null) {
                return e;
            }
            if (e != failure) {
                failure.addSuppressed(e);
            }
        }
        return failure;
    }

    private static void closeAll(List<RankArrays> arrays) {
        RuntimeException first = null;
        for (RankArrays a : arrays) {
            try {
                a.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * One rank's device arrays for one problem. Inputs are uploaded into scratch arrays and copied into place on the
     * compute stream, so, as for a layer inside a network, they are ready only for work ordered after that copy.
     */
    private final class RankArrays implements AutoCloseable {
        final Communicator comm;
        final DeviceRuntime device;
        final DeviceDistributedConv conv;
        private final List<DeviceFloats> all = new ArrayList<>();
        /** Scratch array and its target, per uploaded input. */
        private final List<DeviceFloats[]> staged = new ArrayList<>();
        final DeviceFloats x;
        final DeviceFloats w;
        final DeviceFloats bias;
        final DeviceFloats y;
        final DeviceFloats dy;
        final DeviceFloats dx;
        final DeviceFloats dw;
        final DeviceFloats db;
        final DeviceFloats dbAlone;

        RankArrays(Communicator comm, DeviceRuntime device, DeviceDistributedConv conv, boolean withBias) {
            this.comm = comm;
            this.device = device;
            this.conv = conv;
            int k = plan.outputShape().c();
            try {
                x = add(conv.blockShape().size());
                w = add(plan.weightShape().size());
                bias = withBias ? add(k) : null;
                y = add(conv.outputShape().size());
                dy = add(conv.outputShape().size());
                dx = add(conv.blockShape().size());
                dw = add(plan.weightShape().size());
                db = withBias ? add(k) : null;
                dbAlone = withBias ? add(k) : null;
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        private DeviceFloats add(long n) {
            DeviceFloats a = device.allocate(n);
            all.add(a);
            return a;
        }

        /**
         * Uploads this rank's owned input block (margins zero), its output-gradient block and the parameters into
         * scratch arrays (blocking); {@link #queueInputs} then moves them into place.
         */
        void upload(Inputs in, int r) {
            Block xb = Block.allocate(plan.blockBox(r));
            Boxes.copy(new Block(Region.of(in.x.shape().dims()), in.x), xb, plan.ownInput(r), ExchangeMode.COPY);
            stage(xb.data(), x);
            Block dyb = Block.allocate(plan.ownOutput(r));
            Boxes.copy(new Block(Region.of(in.dy.shape().dims()), in.dy), dyb, plan.ownOutput(r), ExchangeMode.COPY);
            stage(dyb.data(), dy);
            stage(in.w, w);
            if (in.bias != null) {
                stage(in.bias, bias);
            }
        }

        private void stage(Tensor t, DeviceFloats target) {
            DeviceFloats scratch = add(t.data().length);
            device.upload(t.data(), 0, scratch, 0, t.data().length, conv.stream());
            staged.add(new DeviceFloats[] {scratch, target});
        }

        /** Queues the copies of the uploaded inputs into place on the compute stream (not waited for). */
        void queueInputs() {
            for (DeviceFloats[] st : staged) {
                device.copy(st[0], 0, st[1], 0, st[0].floats(), conv.stream());
            }
        }

        /** Copies box {@code part} of array {@code a} (holding global box {@code box}) into global tensor {@code g}. */
        void gather(DeviceFloats a, Shape shape, Region box, Region part, Tensor g) {
            Tensor t = Tensor.zeros(shape);
            download(a, t);
            Boxes.copy(new Block(box, t), new Block(Region.of(g.shape().dims()), g), part, ExchangeMode.COPY);
        }

        void download(DeviceFloats a, Tensor t) {
            device.download(a, 0, t.data(), 0, t.data().length, conv.stream());
        }

        /** Frees the arrays; the layer was closed first, so its streams no longer use them. */
        @Override
        public void close() {
            all.forEach(DeviceFloats::close);
        }
    }
}
