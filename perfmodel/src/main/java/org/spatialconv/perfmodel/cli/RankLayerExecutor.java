package org.spatialconv.perfmodel.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.Backends;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.decomposition.comm.Communicator;
import org.spatialconv.decomposition.comm.Request;
import org.spatialconv.decomposition.exchange.Block;
import org.spatialconv.decomposition.exchange.Boxes;
import org.spatialconv.decomposition.exchange.ExchangeMode;
import org.spatialconv.decomposition.grid.ProcessGrid;
import org.spatialconv.decomposition.grid.Region;
import org.spatialconv.decomposition.layer.ConvPlan;
import org.spatialconv.decomposition.layer.DistributedConv;
import org.spatialconv.decomposition.layer.OverlapMode;

/**
 * One rank's share of a distributed layer, for ranks that are separate processes (MPJ): every rank of
 * {@code comm} calls each method together. Only rank 0's global tensors matter: it sends every rank its owned
 * input blocks and broadcasts the weights, each rank runs the distributed pass (halo exchange overlapped with the
 * interior), and the owned output blocks and the reduced gradients come back into rank 0's global tensors. Other
 * ranks pass tensors of the right shapes whose contents are ignored and left unspecified.
 */
final class RankLayerExecutor implements LayerExecutor {
    private static final int TAG_SCATTER = 0x5C1;
    private static final int TAG_GATHER = 0x5C2;

    private final Communicator comm;
    private final ConvGeometry geometry;
    private final ProcessGrid grid;
    private final Backend backend;
    private ConvPlan plan;
    private DistributedConv conv;
    private Block xb;
    private Block dxb;
    private Tensor yo;
    private Tensor dyo;
    private Tensor dwr;
    private Tensor dbr;

    RankLayerExecutor(Communicator comm, ConvGeometry geometry, GridSpec grid, int threads) {
        if (comm.size() != grid.ranks()) {
            throw new UserException("grid " + grid + " has " + grid.ranks() + " cells but " + comm.size()
                    + " ranks were launched");
        }
        this.comm = comm;
        this.geometry = geometry;
        this.grid = ProcessGrid.nhw(grid.n(), grid.h(), grid.w());
        this.backend = Backends.create(LayerExecution.BACKEND, BackendOptions.threads(threads));
    }

    @Override
    public ConvGeometry geometry() {
        return geometry;
    }

    private void plan(Shape x, Shape w) {
        if (plan != null && plan.inputShape().equals(x) && plan.weightShape().equals(w)) {
            return;
        }
        try {
            plan = new ConvPlan(grid, geometry, x, w);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        }
        conv = new DistributedConv(comm, backend, plan, OverlapMode.ON);
        xb = conv.allocateInput();
        dxb = conv.allocateInput();
        yo = conv.allocateOutput();
        dyo = conv.allocateOutput();
        dwr = Tensor.zeros(w);
        dbr = null;
    }

    @Override
    public void forward(Tensor x, Tensor w, Tensor bias, Tensor y) {
        plan(x.shape(), w.shape());
        broadcast(w);
        if (bias != null) {
            broadcast(bias);
        }
        scatter(x, plan::ownInput, xb);
        conv.forward(xb, w, bias, yo);
        gather(new Block(plan.ownOutput(comm.rank()), yo), plan::ownOutput, y);
    }

    @Override
    public void backwardData(Tensor dy, Tensor w, Tensor dx) {
        plan(dx.shape(), w.shape());
        broadcast(w);
        scatter(dy, plan::ownOutput, new Block(plan.ownOutput(comm.rank()), dyo));
        conv.backwardData(dyo, w, dxb);
        gather(dxb, plan::ownInput, dx);
    }

    @Override
    public void backwardFilter(Tensor x, Tensor dy, Tensor dw) {
        plan(x.shape(), dw.shape());
        scatter(x, plan::ownInput, xb);
        // backward-filter reads the input halo, which a fresh scatter does not fill
        plan.haloExchange().run(comm, xb, xb, ExchangeMode.COPY);
        scatter(dy, plan::ownOutput, new Block(plan.ownOutput(comm.rank()), dyo));
        conv.backwardFilter(xb, dyo, dwr, null);
        if (comm.rank() == 0) {
            System.arraycopy(dwr.data(), 0, dw.data(), 0, dw.data().length);
        }
    }

    @Override
    public void biasBackward(Tensor dy, Tensor db) {
        if (plan == null) {
            throw new IllegalStateException("biasBackward needs a preceding pass that fixes the input shape");
        }
        scatter(dy, plan::ownOutput, new Block(plan.ownOutput(comm.rank()), dyo));
        if (dbr == null || !dbr.shape().equals(db.shape())) {
            dbr = Tensor.zeros(db.shape());
        }
        backend.biasBackward(dyo, dbr);
        comm.allreduceSum(dbr.data(), 0, dbr.data().length);
        if (comm.rank() == 0) {
            System.arraycopy(dbr.data(), 0, db.data(), 0, db.data().length);
        }
    }

    private void broadcast(Tensor t) {
        comm.broadcast(t.data(), 0, t.data().length, 0);
    }

    /** Rank 0 sends every rank box {@code own(rank)} of its global tensor; each rank writes it into {@code dst}. */
    private void scatter(Tensor global, IntFunction<Region> own, Block dst) {
        int me = comm.rank();
        if (me == 0) {
            Block g = new Block(Region.of(global.shape().dims()), global);
            List<Request> sends = new ArrayList<>();
            for (int p = 1; p < comm.size(); p++) {
                Region box = own.apply(p);
                float[] buf = new float[Math.toIntExact(box.size())];
                Boxes.pack(g, box, buf, 0);
                if (buf.length > 0) {
                    sends.add(comm.isend(buf, 0, buf.length, p, TAG_SCATTER));
                }
            }
            Boxes.copy(g, dst, own.apply(0), ExchangeMode.COPY);
            sends.forEach(Request::await);
        } else {
            Region box = own.apply(me);
            float[] buf = new float[Math.toIntExact(box.size())];
            if (buf.length > 0) {
                comm.recv(buf, 0, buf.length, 0, TAG_SCATTER);
                Boxes.unpack(buf, 0, dst, box, ExchangeMode.COPY);
            }
        }
    }

    /** Every rank sends box {@code own(rank)} of {@code src}; rank 0 writes them all into its global tensor. */
    private void gather(Block src, IntFunction<Region> own, Tensor global) {
        int me = comm.rank();
        if (me == 0) {
            Block g = new Block(Region.of(global.shape().dims()), global);
            Boxes.copy(src, g, own.apply(0), ExchangeMode.COPY);
            for (int p = 1; p < comm.size(); p++) {
                Region box = own.apply(p);
                float[] buf = new float[Math.toIntExact(box.size())];
                if (buf.length > 0) {
                    comm.recv(buf, 0, buf.length, p, TAG_GATHER);
                    Boxes.unpack(buf, 0, g, box, ExchangeMode.COPY);
                }
            }
        } else {
            Region box = own.apply(me);
            float[] buf = new float[Math.toIntExact(box.size())];
            Boxes.pack(src, box, buf, 0);
            if (buf.length > 0) {
                comm.send(buf, 0, buf.length, 0, TAG_GATHER);
            }
        }
    }

    @Override
    public void close() {
        backend.close();
    }
}
