package org.spatialconv.decomposition.device;

import java.util.ArrayList;
import java.util.List;
import org.spatialconv.conv.device.DeviceEvent;
import org.spatialconv.conv.device.DeviceFloats;
import org.spatialconv.conv.device.DeviceRuntime;
import org.spatialconv.conv.device.DeviceStream;

/**
 * Transport between ranks of one JVM whose buffers one runtime can copy between (ranks sharing a GPU, or GPUs with
 * peer copies): the sender copies its packed box straight into the receiver's buffer on its own communication
 * stream. Per call, through a {@link PeerBoard}:
 * <ol>
 *   <li>post: the receiver records a "free" event after its last use of each receive buffer and publishes the
 *       buffer with it;</li>
 *   <li>deliver: the sender takes that, makes its stream wait for "free", queues the copy, records "delivered" and
 *       publishes it;</li>
 *   <li>arrive: the receiver takes "delivered" and makes its stream wait for it before unpacking.</li>
 * </ol>
 * The host never waits for device work here; only for the peers to have queued theirs.
 *
 * <p>Closing a channel (its rank's streams are drained) marks it drained on the board. After a failure, a rank's
 * copies may still be queued, not run, towards a receiver that stopped waiting for them (it failed first, or its
 * stream failed and dropped its waits); so once the board has failed, closing also waits until every sender into
 * this rank's buffers has drained, and only then may the buffers be freed.
 */
public final class PeerCopyTransport implements DeviceTransport {
    private final PeerBoard board;
    private final int rank;
    private final DeviceRuntime device;

    /** Rank {@code rank}'s transport on {@code board}, copying with {@code device}. */
    public PeerCopyTransport(PeerBoard board, int rank, DeviceRuntime device) {
        if (rank < 0 || rank >= board.ranks()) {
            throw new IllegalArgumentException("rank " + rank + " outside a board of " + board.ranks() + " ranks");
        }
        this.board = board;
        this.rank = rank;
        this.device = device;
    }

    @Override
    public Channel open(int exchange, List<Link> sends, List<Link> receives) {
        return new PeerChannel(exchange, sends, receives);
    }

    @Override
    public void abort(Throwable cause) {
        board.fail(rank, cause);
    }

    /** A board entry's key: one message of one call of one exchange. */
    private record Key(int exchange, String kind, int from, int to, long call) {
    }

    /** A receive buffer offered to its sender, usable once {@code free} has passed. */
    private record Slot(DeviceFloats buffer, int floats, DeviceEvent free) {
    }

    private final class PeerChannel implements Channel {
        private final int exchange;
        private final List<Link> sends;
        private final List<Link> receives;
        private final List<DeviceEvent> free = new ArrayList<>();
        private final List<DeviceEvent> delivered = new ArrayList<>();
        private long call;

        PeerChannel(int exchange, List<Link> sends, List<Link> receives) {
            this.exchange = exchange;
            this.sends = List.copyOf(sends);
            this.receives = List.copyOf(receives);
            board.opened(exchange, rank);
            try {
                for (int i = 0; i < receives.size(); i++) {
                    free.add(device.createEvent());
                }
                for (int i = 0; i < sends.size(); i++) {
                    delivered.add(device.createEvent());
                }
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        @Override
        public void post(DeviceStream comm) {
            call++;
            for (int i = 0; i < receives.size(); i++) {
                Link r = receives.get(i);
                free.get(i).record(comm);
                board.put(new Key(exchange, "slot", r.peer(), rank, call), new Slot(r.buffer(), r.floats(), free.get(i)));
            }
        }

        @Override
        public void deliver(DeviceStream comm) {
            for (int i = 0; i < sends.size(); i++) {
                Link s = sends.get(i);
                Slot slot = (Slot) board.take(new Key(exchange, "slot", rank, s.peer(), call));
                if (slot.floats() != s.floats()) {
                    throw new IllegalStateException("exchange " + exchange + ": rank " + rank + " sends " + s.floats()
                            + " floats to rank " + s.peer() + ", which expects " + slot.floats());
                }
                comm.waitFor(slot.free());
                device.copy(s.buffer(), 0, slot.buffer(), 0, s.floats(), comm);
                delivered.get(i).record(comm);
                board.put(new Key(exchange, "delivered", rank, s.peer(), call), delivered.get(i));
            }
        }

        @Override
        public void arrive(int i, DeviceStream comm) {
            Link r = receives.get(i);
            comm.waitFor((DeviceEvent) board.take(new Key(exchange, "delivered", r.peer(), rank, call)));
        }

        @Override
        public void complete(DeviceStream comm) {
            // the receivers' streams wait for the copies; the senders' streams order buffer reuse
        }

        /**
         * Marks this rank drained (the streams are idle) and, after a failure, waits for the senders into this
         * rank's buffers to have drained too.
         *
         * @throws org.spatialconv.decomposition.comm.CommunicationException if a sender did not drain in time (the
         *                                                                    buffers must then stay allocated)
         */
        @Override
        public void close() {
            try {
                board.drained(exchange, rank);
                if (board.failed()) {
                    board.awaitDrained(exchange, receives.stream().map(Link::peer).toList());
                }
            } finally {
                free.forEach(DeviceEvent::close);
                delivered.forEach(DeviceEvent::close);
            }
        }
    }
}
