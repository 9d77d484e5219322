package org.spatialconv.decomposition.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.spatialconv.decomposition.comm.Communicator;

/**
 * The double allreduce of {@link CommExchange} (through the communicator's float sum): exactly the double sum in
 * rank order, on every rank, for values a float cannot hold.
 */
class CommExchangeTest {
    private static final int VALUES = 50;

    /** Doubles over twelve decades with all 53 bits used (a float keeps 24). */
    private static double[] values(int rank) {
        Random rnd = new Random(100 + rank);
        double[] v = new double[VALUES];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextGaussian() * Math.pow(10, rnd.nextInt(13) - 6);
        }
        return v;
    }

    private static List<double[]> allreduce(int ranks) {
        return LocalRanks.run(ranks, Duration.ofSeconds(30), ex -> {
            double[] v = values(ex.rank());
            ex.allreduce(v);
            return v;
        });
    }

    @Test
    void allreduceOfDoublesIsTheExactRankOrderSumOnEveryRank() {
        int checked = 0;
        for (int ranks = 1; ranks <= 4; ranks++) {
            double[] want = new double[VALUES];
            for (int r = 0; r < ranks; r++) {
                double[] v = values(r);
                for (int i = 0; i < VALUES; i++) {
                    want[i] += v[i];
                }
            }
            for (double[] got : allreduce(ranks)) {
                assertArrayEquals(want, got, 0.0, ranks + " ranks");
                checked++;
            }
        }
        assertEquals(1 + 2 + 3 + 4, checked);
    }

    @Test
    void aloneIsOneSharedOneRankCommunicatorReleasedOnClose() {
        List<Integer> sizes = LocalRanks.run(3, Duration.ofSeconds(30), ex -> {
            Communicator alone = ex.alone();
            assertSame(alone, ex.alone(), "split once, then reused");
            float[] v = {ex.rank() + 1f};
            alone.allreduceSum(v, 0, 1);
            assertEquals(ex.rank() + 1f, v[0], "a one-rank sum is the rank's own value");
            ex.close();
            assertThrows(IllegalStateException.class, () -> alone.allreduceSum(v, 0, 1), "closed with the exchange");
            ex.communicator().barrier();
            return alone.size();
        });
        assertEquals(List.of(1, 1, 1), sizes);
    }
}
