package org.spatialconv.decomposition.net;

import org.spatialconv.conv.Tensor;
import org.spatialconv.decomposition.comm.Communicator;
import org.spatialconv.decomposition.exchange.Block;
import org.spatialconv.decomposition.exchange.ExchangeMode;
import org.spatialconv.decomposition.exchange.RegionExchange;
import org.spatialconv.decomposition.grid.Region;

/**
 * {@link Exchange} over any {@link Communicator} (in-JVM ranks or MPJ Express processes), built on the
 * decomposition module's {@link RegionExchange}. The boxes each rank wants or holds are known only locally, so
 * every fetch and push first allgathers them (six integers per rank, through an allreduce), then runs one region
 * exchange: fetch is {@code provides = owned, needs = want} in copy mode, push is {@code provides = held,
 * needs = owned} in accumulate mode (summed in rank order, deterministic).
 *
 * <p>Doubles are allreduced as two floats each ({@code hi = (float) d}, {@code lo = (float) (d - hi)}), which
 * keeps each rank's contribution exact; the sum itself is accumulated by the communicator in float.
 */
public final class CommExchange implements Exchange {
    private final Communicator comm;

    /** An exchange over {@code comm} (not closed by this object). */
    public CommExchange(Communicator comm) {
        this.comm = comm;
    }

    @Override
    public int rank() {
        return comm.rank();
    }

    @Override
    public int size() {
        return comm.size();
    }

    private static Region region(Box b, int c) {
        return new Region(new int[] {b.n0(), 0, b.h0(), b.w0()}, new int[] {b.n1(), c, b.h1(), b.w1()});
    }

    /** Every rank's box, indexed by rank. */
    private Box[] allgather(Box mine) {
        float[] buf = new float[6 * comm.size()];
        int at = 6 * comm.rank();
        buf[at] = mine.n0();
        buf[at + 1] = mine.n1();
        buf[at + 2] = mine.h0();
        buf[at + 3] = mine.h1();
        buf[at + 4] = mine.w0();
        buf[at + 5] = mine.w1();
        comm.allreduceSum(buf, 0, buf.length);
        Box[] all = new Box[comm.size()];
        for (int r = 0; r < all.length; r++) {
            int i = 6 * r;
            all[r] = new Box((int) buf[i], (int) buf[i + 1], (int) buf[i + 2], (int) buf[i + 3], (int) buf[i + 4],
                    (int) buf[i + 5]);
        }
        return all;
    }

    @Override
    public Tensor fetch(Tensor owned, Placement p, Box want) {
        if (p.isReplicated()) {
            // Every rank holds all of it (and every rank takes this branch: p is the same everywhere).
            return Box.crop(owned, Box.whole(p.global()), want);
        }
        int c = owned.shape().c();
        Box[] wants = allgather(want);
        Region[] provides = new Region[comm.size()];
        Region[] needs = new Region[comm.size()];
        for (int r = 0; r < provides.length; r++) {
            provides[r] = region(p.own(r), c);
            needs[r] = region(wants[r], c);
        }
        Tensor out = Tensor.zeros(want.shape(c));
        new RegionExchange(provides, needs).run(comm, new Block(region(p.own(rank()), c), owned),
                new Block(region(want, c), out), ExchangeMode.COPY);
        return out;
    }

    @Override
    public Tensor pushAdd(Tensor part, Box have, Placement p, int channels) {
        Box[] haves = allgather(have);
        Region[] provides = new Region[comm.size()];
        Region[] needs = new Region[comm.size()];
        for (int r = 0; r < provides.length; r++) {
            provides[r] = region(haves[r], channels);
            needs[r] = region(p.own(r), channels);
        }
        Box own = p.own(rank());
        Tensor out = Tensor.zeros(own.shape(channels));
        new RegionExchange(provides, needs).run(comm, new Block(region(have, channels), part),
                new Block(region(own, channels), out), ExchangeMode.ACCUMULATE);
        return out;
    }

    @Override
    public void allreduce(double[] values) {
        int n = values.length;
        float[] buf = new float[2 * n];
        for (int i = 0; i < n; i++) {
            float hi = (float) values[i];
            buf[i] = hi;
            buf[n + i] = (float) (values[i] - hi);
        }
        comm.allreduceSum(buf, 0, buf.length);
        for (int i = 0; i < n; i++) {
            values[i] = (double) buf[i] + buf[n + i];
        }
    }
}
