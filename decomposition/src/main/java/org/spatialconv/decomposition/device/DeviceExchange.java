package org.spatialconv.decomposition.device;

import java.util.ArrayList;
import java.util.List;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.device.DeviceEvent;
import org.spatialconv.conv.device.DeviceFloats;
import org.spatialconv.conv.device.DeviceRuntime;
import org.spatialconv.conv.device.DeviceStream;
import org.spatialconv.conv.device.DeviceTensor;
import org.spatialconv.decomposition.exchange.ExchangeMode;
import org.spatialconv.decomposition.exchange.RegionExchange;
import org.spatialconv.decomposition.grid.Region;

/**
 * One rank's part of a {@link RegionExchange} on device arrays: the source array holds global box {@code srcBox},
 * the destination array {@code dstBox}. {@link #start} packs every outgoing box into its own buffer on the
 * communication stream and posts the transport; {@link #finish} hands the sends over, applies the local part and
 * then unpacks every incoming box, in ascending source rank (so accumulation is deterministic), each after it has
 * arrived. All device work is queued on the given stream; buffers are allocated once and reused.
 */
final class DeviceExchange implements AutoCloseable {
    private final DeviceRuntime device;
    private final Region srcBox;
    private final Region dstBox;
    private final List<Box> out = new ArrayList<>();
    private final List<Box> in = new ArrayList<>();
    private final Region local;
    /** Stages the local part when source and destination are different arrays (allocated on first use). */
    private DeviceFloats localBuffer;
    /** Whether the current call has a local part to write in {@link #finish}. */
    private boolean localPending;
    private DeviceTransport.Channel channel;

    /** A box of this rank's traffic and its packed buffer. */
    private record Box(int peer, Region region, DeviceFloats buffer) {
        DeviceTransport.Link link() {
            return new DeviceTransport.Link(peer, buffer, (int) region.size());
        }
    }

    DeviceExchange(RegionExchange plan, int rank, Region srcBox, Region dstBox, DeviceRuntime device,
            DeviceTransport transport, int id) {
        if (!srcBox.contains(plan.provides(rank)) || !dstBox.contains(plan.needs(rank))) {
            throw new IllegalArgumentException("rank " + rank + " arrays " + srcBox + " -> " + dstBox
                    + " do not hold what it provides and needs");
        }
        this.device = device;
        this.srcBox = srcBox;
        this.dstBox = dstBox;
        this.local = plan.transfer(rank, rank);
        try {
            for (int p = 0; p < plan.ranks(); p++) {
                Region o = plan.transfer(rank, p);
                if (p != rank && !o.isEmpty()) {
                    out.add(new Box(p, o, device.allocate(o.size())));
                }
                Region i = plan.transfer(p, rank);
                if (p != rank && !i.isEmpty()) {
                    in.add(new Box(p, i, device.allocate(i.size())));
                }
            }
            channel = transport.open(id, out.stream().map(Box::link).toList(), in.stream().map(Box::link).toList());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Packs the outgoing boxes of {@code src} (and the local part, when {@code dst} is another array) and posts
     * them; queued on {@code comm}.
     */
    void start(DeviceFloats src, DeviceFloats dst, DeviceStream comm) {
        DeviceTensor s = tensor(src, srcBox);
        for (Box b : out) {
            device.pack(s, lo(b.region, srcBox), b.region.extents(), b.buffer, comm);
        }
        localPending = src != dst && !local.isEmpty();
        if (localPending) {
            if (localBuffer == null) {
                localBuffer = device.allocate(local.size());
            }
            device.pack(s, lo(local, srcBox), local.extents(), localBuffer, comm);
        }
        channel.post(comm);
    }

    /**
     * Hands the sends over, then writes (or adds) the local part and every incoming box into {@code dst}. When
     * {@code dstReady} is non-null the writes wait for it (the destination's owned box is still being computed).
     */
    void finish(DeviceFloats dst, ExchangeMode mode, DeviceStream comm, DeviceEvent dstReady) {
        channel.deliver(comm);
        if (dstReady != null) {
            comm.waitFor(dstReady);
        }
        boolean add = mode == ExchangeMode.ACCUMULATE;
        DeviceTensor d = tensor(dst, dstBox);
        if (localPending) {
            device.unpack(localBuffer, d, lo(local, dstBox), local.extents(), add, comm);
        }
        for (int i = 0; i < in.size(); i++) {
            Box b = in.get(i);
            channel.arrive(i, comm);
            device.unpack(b.buffer, d, lo(b.region, dstBox), b.region.extents(), add, comm);
        }
        channel.complete(comm);
    }

    /** Floats this rank sends per call. */
    long floatsSent() {
        return out.stream().mapToLong(b -> b.region.size()).sum();
    }

    private static DeviceTensor tensor(DeviceFloats a, Region box) {
        return new DeviceTensor(a, Shape.of(box.extents()));
    }

    private static int[] lo(Region r, Region box) {
        int[] lo = new int[r.rank()];
        for (int d = 0; d < lo.length; d++) {
            lo[d] = r.lo(d) - box.lo(d);
        }
        return lo;
    }

    /**
     * Frees the buffers and the channel; the streams must be idle. If the channel cannot tell that the peers are
     * done with the buffers, it throws and the buffers stay allocated (a leak the runtime reports, rather than a
     * peer's copy into freed memory).
     */
    @Override
    public void close() {
        if (channel != null) {
            channel.close();
        }
        for (Box b : out) {
            b.buffer.close();
        }
        for (Box b : in) {
            b.buffer.close();
        }
        if (localBuffer != null) {
            localBuffer.close();
        }
    }
}
