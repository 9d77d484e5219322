package org.spatialconv.decomposition.layer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.decomposition.grid.ProcessGrid;

/**
 * Random geometry × random grid (1 to 8 ranks, uneven blocks, thin partitions): distributed forward,
 * backward-data, backward-filter and bias gradient equal the single-rank result, with and without overlap.
 */
class DistributedConvPropertyTest {
    /** Relative L2 bound between the distributed and the single-rank result. */
    static final double TOLERANCE = ConvCase.TOLERANCE;
    private static final long SEED = 0xD15C0_4E7L;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int CASES = 120;

    /** Backend used for both the single-rank and the per-rank computation. */
    IntFunction<Backend> backends() {
        return r -> new ReferenceWindowBackend();
    }

    /** The next random problem; subclasses narrow it to the layers a path of their backend takes. */
    ConvCase nextCase(Random rnd) {
        return ConvCase.random(rnd);
    }

    @Test
    void distributedEqualsSingleRank() {
        Random rnd = new Random(SEED);
        int checked = 0;
        int multiRank = 0;
        int tries = 0;
        List<String> failures = new ArrayList<>();
        while (checked < CASES) {
            tries++;
            ConvCase cc = nextCase(rnd);
            ConvGeometry g = cc.g();
            Shape x = cc.x();
            Shape w = cc.w();
            int k = cc.k();
            int[] parts = {1 + rnd.nextInt(2), 1 + rnd.nextInt(4), 1 + rnd.nextInt(3)};
            ProcessGrid grid = ProcessGrid.nhw(parts[0], parts[1], parts[2]);
            if (grid.size() > 8 || !cc.splits(grid)) {
                continue;
            }
            Shape y = cc.yOrNull();
            OverlapMode mode = rnd.nextBoolean() ? OverlapMode.ON : OverlapMode.OFF;
            String ctx = "seed " + SEED + " try " + tries + ": " + g + " x=" + x + " k=" + k + " grid=" + grid + " "
                    + mode;
            Tensor xt = random(x, rnd);
            Tensor wt = random(w, rnd);
            Tensor bt = random(Shape.of(k), rnd);
            Tensor dyt = random(y, rnd);

            Tensor y1 = Tensor.zeros(y);
            Tensor dx1 = Tensor.zeros(x);
            Tensor dw1 = Tensor.zeros(w);
            Tensor db1 = Tensor.zeros(Shape.of(k));
            try (Backend single = backends().apply(0)) {
                single.convForward(xt, wt, bt, g, y1);
                single.convBackwardData(dyt, wt, g, dx1);
                single.convBackwardFilter(xt, dyt, g, dw1);
                single.biasBackward(dyt, db1);
            }

            try (DistributedConvRunner run = new DistributedConvRunner(grid, g, x, w, backends(), mode, TIMEOUT)) {
                Tensor yd = Tensor.zeros(y);
                run.forward(xt, wt, bt, yd);
                Tensor dxd = Tensor.zeros(x);
                run.backwardData(dyt, wt, dxd);
                Tensor dwd = Tensor.zeros(w);
                Tensor dbd = Tensor.zeros(Shape.of(k));
                run.backwardFilter(xt, dyt, dwd, dbd);
                Tensor db2 = Tensor.zeros(Shape.of(k));
                run.biasBackward(dyt, db2);
                check(failures, ctx, "forward", yd, y1);
                check(failures, ctx, "backward-data", dxd, dx1);
                check(failures, ctx, "backward-filter", dwd, dw1);
                check(failures, ctx, "bias (with filter)", dbd, db1);
                check(failures, ctx, "bias", db2, db1);
            }
            checked++;
            multiRank += grid.size() > 1 ? 1 : 0;
        }
        assertTrue(failures.isEmpty(), () -> failures.size() + " mismatches, first: " + failures.get(0));
        assertTrue(multiRank >= CASES / 2, "only " + multiRank + " multi-rank cases");
        System.out.println(getClass().getSimpleName() + ": " + checked + " cases (" + multiRank + " multi-rank), "
                + 5 * checked + " tensors compared");
    }

    private static void check(List<String> failures, String ctx, String what, Tensor got, Tensor want) {
        ConvCase.check(failures, ctx, what, got, want);
    }

    static Tensor random(Shape s, Random rnd) {
        return ConvCase.random(s, rnd);
    }
}
