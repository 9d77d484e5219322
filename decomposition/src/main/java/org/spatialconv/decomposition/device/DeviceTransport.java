package org.spatialconv.decomposition.device;

import java.util.List;
import org.spatialconv.conv.device.DeviceFloats;
import org.spatialconv.conv.device.DeviceStream;

/**
 * Moves packed boxes between ranks' device buffers. {@link DeviceExchange} owns the loop and the packing; a
 * transport only carries the contiguous buffers, through a {@link Channel} per exchange.
 */
public interface DeviceTransport {
    /**
     * Opens the channel of exchange {@code exchange} (the same id on every rank, distinct per exchange) with the
     * given outgoing and incoming buffers, each list in ascending peer order.
     */
    Channel open(int exchange, List<Link> sends, List<Link> receives);

    /** Makes the peers' pending and future waits fail promptly with {@code cause} (this rank has failed). */
    void abort(Throwable cause);

    /**
     * One rank's packed buffer for one peer.
     *
     * @param peer   the other rank
     * @param buffer the device buffer (the packed box going out, or where the incoming box must land)
     * @param floats the box's size
     */
    record Link(int peer, DeviceFloats buffer, int floats) {
    }

    /**
     * One exchange's traffic on one rank. Per call, in this order: {@link #post}, {@link #deliver},
     * {@link #arrive} for each receive in ascending order, {@link #complete}; every rank makes the same calls.
     */
    interface Channel extends AutoCloseable {
        /** The sends' buffers are packed (queued on {@code comm}); start moving. Never waits for peers. */
        void post(DeviceStream comm);

        /** Hands the sends to the peers; may wait for them to have posted. */
        void deliver(DeviceStream comm);

        /** Receive {@code i} is in its buffer for work queued on {@code comm} after this call. */
        void arrive(int i, DeviceStream comm);

        /** The call's traffic is handed over; buffers may be reused by the next call. */
        void complete(DeviceStream comm);

        /**
         * Releases the channel's events and buffers; the streams must be idle. Returns only once no peer's queued
         * work can touch the link buffers any more (they may then be freed); throws if that cannot be established.
         */
        @Override
        void close();
    }
}
