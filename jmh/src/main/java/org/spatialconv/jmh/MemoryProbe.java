package org.spatialconv.jmh;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.Backends;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.decomposition.comm.jvm.InJvmWorld;
import org.spatialconv.decomposition.exchange.Block;
import org.spatialconv.decomposition.grid.ProcessGrid;
import org.spatialconv.decomposition.layer.ConvPlan;
import org.spatialconv.decomposition.layer.DistributedConv;
import org.spatialconv.decomposition.layer.OverlapMode;

/**
 * Per-rank memory of one distributed 3x3 convolution layer (forward, backward-data, backward-filter):
 * usage {@code MemoryProbe N C H W K grid}, e.g. {@code 1 16 2048 2048 16 1,2,2}.
 *
 * <p>Method: every rank thread allocates only its own data (no global tensor exists) and runs the passes with a
 * single-threaded CPU backend, so all of its allocations happen on its own thread and
 * {@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes} counts them. Reported per rank: the
 * persistent tensors (exact sizes: input block with halo, weights, output, output gradient, input-gradient
 * block, dw, db), and the bytes each pass allocates (the first call of a pass includes the backend's cached
 * workspace). Peak = persistent + the largest pass allocation: an upper bound, since it assumes everything a
 * pass allocates is live at once.
 */
public final class MemoryProbe {
    private MemoryProbe() {
    }

    /** Runs the probe and prints one line per rank. */
    public static void main(String[] args) {
        Shape x = Shape.nchw(Integer.parseInt(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                Integer.parseInt(args[3]));
        int k = Integer.parseInt(args[4]);
        ProcessGrid grid = ProcessGrid.parse(args[5]);
        ConvGeometry g = ConvGeometry.square(3, 1, 1, 1, 1);
        ConvPlan plan = new ConvPlan(grid, g, x, g.weightShape(x.c(), k));
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<String> lines = InJvmWorld.launch(grid.size(), Duration.ofMinutes(10), comm -> {
            long tid = Thread.currentThread().getId();
            try (Backend backend = Backends.create("cpu", BackendOptions.threads(1))) {
                DistributedConv conv = new DistributedConv(comm, backend, plan, OverlapMode.ON);
                long a0 = mx.getThreadAllocatedBytes(tid);
                Block xb = conv.allocateInput();
                Tensor w = Tensor.zeros(plan.weightShape());
                Tensor y = conv.allocateOutput();
                Tensor dy = conv.allocateOutput();
                Block dx = conv.allocateInput();
                Tensor dw = Tensor.zeros(plan.weightShape());
                Tensor db = Tensor.zeros(Shape.of(k));
                long persistent = 4L * (xb.data().data().length + w.data().length + y.data().length
                        + dy.data().length + dx.data().data().length + dw.data().length + db.data().length);
                long allocPersistent = mx.getThreadAllocatedBytes(tid) - a0;
                long[] pass = new long[6];
                for (int it = 0; it < 2; it++) {
                    long t = mx.getThreadAllocatedBytes(tid);
                    conv.forward(xb, w, null, y);
                    long t1 = mx.getThreadAllocatedBytes(tid);
                    conv.backwardData(dy, w, dx);
                    long t2 = mx.getThreadAllocatedBytes(tid);
                    conv.backwardFilter(xb, dy, dw, db);
                    long t3 = mx.getThreadAllocatedBytes(tid);
                    pass[3 * it] = t1 - t;
                    pass[3 * it + 1] = t2 - t1;
                    pass[3 * it + 2] = t3 - t2;
                }
                long maxPass = 0;
                for (long p : pass) {
                    maxPass = Math.max(maxPass, p);
                }
                return String.format(Locale.ROOT, "grid %s rank %d: input block %s, persistent tensors %.1f MiB "
                        + "(thread-allocated %.1f MiB); pass allocations first call fwd/bwd-data/bwd-filter "
                        + "%.2f/%.2f/%.2f MiB, second call %.2f/%.2f/%.2f MiB; peak bound %.1f MiB", grid,
                        comm.rank(), xb.box(), mib(persistent), mib(allocPersistent), mib(pass[0]), mib(pass[1]),
                        mib(pass[2]), mib(pass[3]), mib(pass[4]), mib(pass[5]), mib(persistent + maxPass));
            }
        });
        lines.forEach(System.out::println);
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
