package org.spatialconv.decomposition.device;

import java.util.ArrayDeque;
import java.util.Deque;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Window;
import org.spatialconv.conv.device.DeviceEvent;
import org.spatialconv.conv.device.DeviceFloats;
import org.spatialconv.conv.device.DeviceRuntime;
import org.spatialconv.conv.device.DeviceStream;
import org.spatialconv.conv.device.DeviceTensor;
import org.spatialconv.decomposition.comm.Communicator;
import org.spatialconv.decomposition.exchange.ExchangeMode;
import org.spatialconv.decomposition.grid.Region;
import org.spatialconv.decomposition.layer.ConvPlan;
import org.spatialconv.decomposition.layer.OverlapMode;
import org.spatialconv.decomposition.layer.Strips;

/**
 * One rank's part of a distributed 2-D convolution whose blocks live on a device: the device counterpart of
 * {@link org.spatialconv.decomposition.layer.DistributedConv}, executing the same {@link ConvPlan}. The input block
 * covers {@link ConvPlan#blockBox} (owned input plus halo margins) so kernels read halos in place.
 *
 * <p>Two streams: kernels run on the compute stream ({@link #stream()}), halo packing, transport copies and
 * unpacking on a communication stream. Each pass forks (the communication stream waits for everything queued on
 * the compute stream so far) and joins (the compute stream waits for the communication stream), so between calls
 * all of a rank's work is ordered on the compute stream: a caller orders its own work (uploads, downloads, the next
 * layer) on {@link #stream()} only. With {@link OverlapMode#ON} the forward pass queues the interior convolution
 * before the halo arrives and the boundary strips after the join; backward-data computes the halo gradients first,
 * sends them while it computes the owned gradients, and adds what peers pushed once those are done.
 *
 * <p>Any failure on this rank is reported to the communicator ({@link Communicator#abort}, first, so it is the failure
 * the group reports) and to the transport ({@link DeviceTransport#abort}) before it is rethrown, so peers waiting for
 * this rank fail promptly instead of timing out. {@link #close} drains both streams before freeing anything; a
 * failure met there is reported the same way, and the transport then waits for the peers that could still copy into
 * this rank's buffers to drain theirs.
 */
public final class DeviceDistributedConv implements AutoCloseable {
    /** Largest layer id (its exchanges' ids must fit the staged transport's tag range). */
    public static final int MAX_ID = 8191;
    private final Communicator comm;
    private final DeviceRuntime device;
    private final DeviceTransport transport;
    private final ConvPlan plan;
    private final OverlapMode overlap;
    private final int rank;
    private final Region own;
    private final Region need;
    private final Shape blockShape;
    private final Shape needShape;
    private final Shape outShape;
    private final ConvGeometry local;
    /** True when the needed input is the whole block, so kernels run on the block directly. */
    private final boolean inPlace;
    private final Deque<AutoCloseable> owned = new ArrayDeque<>();
    private DeviceStream compute;
    private DeviceStream commStream;
    private DeviceEvent forkEvent;
    private DeviceEvent joinEvent;
    private DeviceEvent ownReady;
    private DeviceExchange halo;
    private DeviceExchange push;
    /** The needed input (forward, backward-filter) or its gradient (backward-data) when not in place. */
    private DeviceFloats needed;
    private final float[] reduceHost;

    /**
     * Binds {@code plan} to this rank. {@code id} tells this layer's exchanges apart from other layers' (the same
     * on every rank; exchanges {@code 2*id} and {@code 2*id+1} are used).
     *
     * @throws IllegalArgumentException if the communicator's size differs from the grid or {@code id} is out of
     *                                  range
     */
    public DeviceDistributedConv(Communicator comm, DeviceRuntime device, DeviceTransport transport, ConvPlan plan,
            OverlapMode overlap, int id) {
        if (id < 0 || id > MAX_ID) {
            throw new IllegalArgumentException("layer id must be in [0, " + MAX_ID + "], got " + id);
        }
        plan.grid().requireSize(comm.size());
        this.comm = comm;
        this.device = device;
        this.transport = transport;
        this.plan = plan;
        this.overlap = overlap;
        this.rank = comm.rank();
        this.own = plan.ownInput(rank);
        this.need = plan.needInput(rank);
        Region block = plan.blockBox(rank);
        this.blockShape = Shape.of(block.extents());
        this.needShape = need.isEmpty() ? null : Shape.of(need.extents());
        this.outShape = Shape.of(plan.ownOutput(rank).extents());
        this.local = need.isEmpty() ? null : plan.localGeometry(rank);
        this.inPlace = need.equals(block);
        this.reduceHost = new float[Math.max(plan.weightShape().size(), plan.outputShape().c())];
        try {
            compute = keep(device.createStream());
            commStream = keep(device.createStream());
            forkEvent = keep(device.createEvent());
            joinEvent = keep(device.createEvent());
            ownReady = keep(device.createEvent());
            halo = keep(new DeviceExchange(plan.haloExchange(), rank, block, block, device, transport, 2 * id));
            Region pushSource = inPlace || need.isEmpty() ? block : need;
            push = keep(new DeviceExchange(plan.gradientPush(), rank, pushSource, block, device, transport,
                    2 * id + 1));
            if (!inPlace && !need.isEmpty()) {
                needed = keep(device.allocate(need.size()));
            }
        } catch (RuntimeException e) {
            closeQuietly(e);
            throw e;
        }
    }

    private <T extends AutoCloseable> T keep(T resource) {
        owned.push(resource);
        return resource;
    }

    /** The plan this rank executes. */
    public ConvPlan plan() {
        return plan;
    }

    /** The compute stream: order work on this layer's arrays on it. */
    public DeviceStream stream() {
        return compute;
    }

    /** Shape of this rank's input block (owned input plus halo margins). */
    public Shape blockShape() {
        return blockShape;
    }

    /** Shape of this rank's owned output block. */
    public Shape outputShape() {
        return outShape;
    }

    /** y (owned output block) = conv(x) + bias. Exchanges x's halo into its margins first (kept for backward). */
    public void forward(DeviceFloats x, DeviceFloats w, DeviceFloats bias, DeviceFloats y) {
        guard(() -> {
            DeviceTensor xt = require(x, blockShape, "input");
            DeviceTensor wt = require(w, plan.weightShape(), "weights");
            DeviceTensor yt = require(y, outShape, "output");
            if (bias != null) {
                require(bias, Shape.of(outShape.c()), "bias");
            }
            fork();
            halo.start(x, x, commStream);
            if (need.isEmpty()) {
                // every owned output reads only padding: it is the bias
                halo.finish(x, ExchangeMode.COPY, commStream, null);
                join();
                device.zero(y, compute);
                if (bias != null) {
                    device.biasAdd(yt, bias, compute);
                }
                return;
            }
            Window all = Window.full(outShape);
            if (overlap == OverlapMode.ON && inPlace) {
                Window inner = plan.interior(rank);
                if (!inner.isEmpty()) {
                    device.convForward(xt, wt, bias, local, yt, inner, compute);
                }
                halo.finish(x, ExchangeMode.COPY, commStream, null);
                join();
                for (Window s : Strips.around(all, inner)) {
                    device.convForward(xt, wt, bias, local, yt, s, compute);
                }
            } else {
                halo.finish(x, ExchangeMode.COPY, commStream, null);
                join();
                device.convForward(neededInput(xt), wt, bias, local, yt, all, compute);
            }
        });
    }

    /** Fills x's halo margins from the peers (forward does this itself; backward-filter on a fresh x needs it). */
    public void exchangeHalo(DeviceFloats x) {
        guard(() -> {
            require(x, blockShape, "input");
            fork();
            halo.start(x, x, commStream);
            halo.finish(x, ExchangeMode.COPY, commStream, null);
            join();
        });
    }

    /** dx (the owned box of the block {@code dx}) from dy (owned output block); the rest of dx is scratch. */
    public void backwardData(DeviceFloats dy, DeviceFloats w, DeviceFloats dx) {
        guard(() -> {
            DeviceTensor dyt = require(dy, outShape, "output gradient");
            DeviceTensor wt = require(w, plan.weightShape(), "weights");
            DeviceTensor dxt = require(dx, blockShape, "input gradient");
            if (need.isEmpty()) {
                device.zero(dx, compute);
                pushGradient(dx, dx, null);
            } else if (!inPlace) {
                device.convBackwardData(dyt, wt, local, new DeviceTensor(needed, needShape), Window.full(needShape),
                        compute);
                device.zero(dx, compute);
                pushGradient(needed, dx, null);
            } else if (overlap == OverlapMode.ON) {
                for (int p = 0; p < plan.grid().size(); p++) {
                    Region out = plan.gradientPush().transfer(rank, p);
                    if (p != rank && !out.isEmpty()) {
                        device.convBackwardData(dyt, wt, local, dxt, plan.blockWindow(rank, out), compute);
                    }
                }
                fork();
                push.start(dx, dx, commStream);
                device.convBackwardData(dyt, wt, local, dxt, plan.blockWindow(rank, own), compute);
                ownReady.record(compute);
                push.finish(dx, ExchangeMode.ACCUMULATE, commStream, ownReady);
                join();
            } else {
                device.convBackwardData(dyt, wt, local, dxt, Window.full(blockShape), compute);
                pushGradient(dx, dx, null);
            }
        });
    }

    /**
     * dw (and db if non-null) over the whole global batch, identical on every rank: local passes, then a
     * deterministic allreduce through the communicator (staged through the host). {@code x} must carry its halo, as
     * {@link #forward} leaves it. Returns once the sums are back on the device.
     */
    public void backwardFilter(DeviceFloats x, DeviceFloats dy, DeviceFloats dw, DeviceFloats db) {
        guard(() -> {
            DeviceTensor xt = require(x, blockShape, "input");
            DeviceTensor dyt = require(dy, outShape, "output gradient");
            DeviceTensor dwt = require(dw, plan.weightShape(), "weight gradient");
            if (db != null) {
                require(db, Shape.of(outShape.c()), "bias gradient");
            }
            if (need.isEmpty()) {
                device.zero(dw, compute);
            } else {
                device.convBackwardFilter(neededInput(xt), dyt, local, dwt, Window.full(outShape), false, compute);
            }
            if (db != null) {
                device.biasBackward(dyt, db, Window.full(outShape), false, compute);
            }
            allreduce(dw, dwt.shape().size());
            if (db != null) {
                allreduce(db, outShape.c());
            }
        });
    }

    /** db (overwritten): sum of dy over samples and space, per filter, over all ranks. */
    public void biasBackward(DeviceFloats dy, DeviceFloats db) {
        guard(() -> {
            DeviceTensor dyt = require(dy, outShape, "output gradient");
            require(db, Shape.of(outShape.c()), "bias gradient");
            device.biasBackward(dyt, db, Window.full(outShape), false, compute);
            allreduce(db, outShape.c());
        });
    }

    /** Floats this rank sends per forward halo exchange. */
    public long haloFloatsSent() {
        return halo.floatsSent();
    }

    private void pushGradient(DeviceFloats src, DeviceFloats dx, DeviceEvent dstReady) {
        fork();
        push.start(src, dx, commStream);
        push.finish(dx, ExchangeMode.ACCUMULATE, commStream, dstReady);
        join();
    }

    /** The communication stream waits for everything queued on the compute stream so far. */
    private void fork() {
        forkEvent.record(compute);
        commStream.waitFor(forkEvent);
    }

    /** The compute stream waits for everything queued on the communication stream so far. */
    private void join() {
        joinEvent.record(commStream);
        compute.waitFor(joinEvent);
    }

    /** The needed input: the block itself, or its needed box copied out (queued on the compute stream). */
    private DeviceTensor neededInput(DeviceTensor x) {
        if (inPlace) {
            return x;
        }
        Region block = plan.blockBox(rank);
        int[] lo = new int[4];
        for (int d = 0; d < 4; d++) {
            lo[d] = need.lo(d) - block.lo(d);
        }
        device.pack(x, lo, need.extents(), needed, compute);
        return new DeviceTensor(needed, needShape);
    }

    private void allreduce(DeviceFloats a, int n) {
        device.download(a, 0, reduceHost, 0, n, compute);
        comm.allreduceSum(reduceHost, 0, n);
        device.upload(reduceHost, 0, a, 0, n, compute);
    }

    private DeviceTensor require(DeviceFloats a, Shape s, String what) {
        if (a.floats() != s.size()) {
            throw new IllegalArgumentException(what + " array has " + a.floats() + " floats but rank " + rank
                    + " needs " + s + " (" + s.size() + ")");
        }
        return new DeviceTensor(a, s);
    }

    private void guard(Runnable body) {
        try {
            body.run();
        } catch (RuntimeException | Error e) {
            abort(e);
            throw e;
        }
    }

    /** Fails the group with {@code cause}: the communicator first (it names the reported rank), then the transport. */
    private void abort(Throwable cause) {
        comm.abort(cause);
        transport.abort(cause);
    }

    /**
     * Waits for this rank's queued work (a failed stream has dropped its), then frees its streams, events and buffers.
     * Arrays passed to this layer's calls may be freed only after this returns: its streams may still read them.
     * If queued work failed, the group is aborted before anything is freed, so the transport knows to wait for the
     * peers (their copies into this rank's buffers may not have run).
     *
     * @throws RuntimeException the failure of queued work or of freeing, if any (after freeing what could be freed)
     */
    @Override
    public void close() {
        RuntimeException first = null;
        for (DeviceStream s : new DeviceStream[] {compute, commStream}) {
            try {
                s.synchronize();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            abort(first);
        }
        first = closeQuietly(first);
        if (first != null) {
            throw first;
        }
    }

    /** Closes everything owned, newest first; returns {@code first}, or the first close failure, with the rest suppressed. */
    private RuntimeException closeQuietly(RuntimeException first) {
        while (!owned.isEmpty()) {
            try {
                owned.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e instanceof RuntimeException re ? re : new IllegalStateException(e);
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        return first;
    }
}
