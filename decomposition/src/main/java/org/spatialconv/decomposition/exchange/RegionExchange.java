package org.spatialconv.decomposition.exchange;

import java.util.ArrayList;
import java.util.List;
import org.spatialconv.decomposition.comm.Communicator;
import org.spatialconv.decomposition.comm.Request;
import org.spatialconv.decomposition.grid.Distribution;
import org.spatialconv.decomposition.grid.Region;

/**
 * The exchange plan between "each rank provides {@code provides[r]}" and "each rank needs {@code needs[r]}":
 * rank {@code r} sends {@code provides[r] ∩ needs[p]} to every other rank {@code p} and keeps its own
 * intersection locally. Halo exchange is {@code provides = owned, needs = owned ∪ halo}; a shuffle is
 * {@code provides = owned in A, needs = owned in B}; a gradient push is
 * {@code provides = owned ∪ halo, needs = owned} with {@link ExchangeMode#ACCUMULATE}. Multi-hop halos
 * and corners fall out of the intersections. Immutable; every rank builds the same plan.
 */
public final class RegionExchange {
    /** Tag used unless the caller picks one. */
    public static final int DEFAULT_TAG = 0x5C0;

    private final Region[] provides;
    private final Region[] needs;

    /**
     * A plan over {@code provides.length} ranks.
     *
     * @throws IllegalArgumentException if the arrays differ in length
     */
    public RegionExchange(Region[] provides, Region[] needs) {
        if (provides.length != needs.length || provides.length == 0) {
            throw new IllegalArgumentException("provides and needs must have one box per rank");
        }
        this.provides = provides.clone();
        this.needs = needs.clone();
    }

    /**
     * The shuffle that moves a tensor from distribution {@code from} to distribution {@code to} (same global
     * shape, same number of ranks): each rank needs what it owns in {@code to}.
     *
     * @throws IllegalArgumentException if the shapes or rank counts differ
     */
    public static RegionExchange shuffle(Distribution from, Distribution to) {
        if (!java.util.Arrays.equals(from.dims(), to.dims())) {
            throw new IllegalArgumentException("cannot shuffle between different shapes " + from + " and " + to);
        }
        if (from.grid().size() != to.grid().size()) {
            throw new IllegalArgumentException("cannot shuffle between " + from.grid().size() + " and "
                    + to.grid().size() + " ranks");
        }
        return new RegionExchange(from.owns(), to.owns());
    }

    /** Number of ranks the plan covers. */
    public int ranks() {
        return provides.length;
    }

    /** What {@code rank} provides. */
    public Region provides(int rank) {
        return provides[rank];
    }

    /** What {@code rank} needs. */
    public Region needs(int rank) {
        return needs[rank];
    }

    /** The box rank {@code from} sends to rank {@code to} (possibly empty). */
    public Region transfer(int from, int to) {
        return provides[from].intersect(needs[to]);
    }

    /** Floats rank {@code rank} sends to other ranks (the exchange's traffic out of it). */
    public long bytesSent(int rank) {
        long n = 0;
        for (int p = 0; p < provides.length; p++) {
            if (p != rank) {
                n += transfer(rank, p).size();
            }
        }
        return n * Float.BYTES;
    }

    /** Posts all receives and sends, applies the local part, and returns the pending exchange. */
    public Pending start(Communicator comm, Block src, Block dst, ExchangeMode mode) {
        return start(comm, src, dst, mode, DEFAULT_TAG);
    }

    /**
     * Posts all receives and sends on {@code tag}, applies the local part, and returns the pending exchange;
     * call {@link Pending#finish()} before reading the needed box of {@code dst}. {@code src} must hold
     * {@code provides[rank]} and {@code dst} must hold {@code needs[rank]}; they may be the same block, in
     * which case the local part is already in place.
     */
    public Pending start(Communicator comm, Block src, Block dst, ExchangeMode mode, int tag) {
        int me = comm.rank();
        if (comm.size() != provides.length) {
            throw new IllegalArgumentException("exchange plan has " + provides.length + " ranks but communicator has "
                    + comm.size());
        }
        if (!src.box().contains(provides[me])) {
            throw new IllegalArgumentException("rank " + me + " source block " + src.box() + " does not hold "
                    + provides[me]);
        }
        if (!dst.box().contains(needs[me])) {
            throw new IllegalArgumentException("rank " + me + " destination block " + dst.box() + " does not hold "
                    + needs[me]);
        }
        List<Incoming> incoming = new ArrayList<>();
        List<Request> sends = new ArrayList<>();
        for (int p = 0; p < provides.length; p++) {
            Region in = transfer(p, me);
            if (p != me && !in.isEmpty()) {
                float[] buf = new float[(int) in.size()];
                incoming.add(new Incoming(in, buf, comm.irecv(buf, 0, buf.length, p, tag)));
            }
        }
        for (int p = 0; p < provides.length; p++) {
            Region out = transfer(me, p);
            if (p != me && !out.isEmpty()) {
                float[] buf = new float[(int) out.size()];
                Boxes.pack(src, out, buf, 0);
                sends.add(comm.isend(buf, 0, buf.length, p, tag));
            }
        }
        if (src != dst) {
            Boxes.copy(src, dst, transfer(me, me), mode);
        }
        return new Pending(incoming, sends, dst, mode);
    }

    /** Runs the whole exchange: start then finish. */
    public void run(Communicator comm, Block src, Block dst, ExchangeMode mode) {
        start(comm, src, dst, mode).finish();
    }

    private record Incoming(Region box, float[] buf, Request request) {
    }

    /** An exchange whose messages are in flight. */
    public static final class Pending {
        private final List<Incoming> incoming;
        private final List<Request> sends;
        private final Block dst;
        private final ExchangeMode mode;
        private boolean finished;

        private Pending(List<Incoming> incoming, List<Request> sends, Block dst, ExchangeMode mode) {
            this.incoming = incoming;
            this.sends = sends;
            this.dst = dst;
            this.mode = mode;
        }

        /** Waits for every message and writes (or adds) it into the destination, in source-rank order. */
        public void finish() {
            if (finished) {
                return;
            }
            finished = true;
            for (Incoming in : incoming) {
                in.request.await();
                Boxes.unpack(in.buf, 0, dst, in.box, mode);
            }
            for (Request s : sends) {
                s.await();
            }
        }
    }
}
