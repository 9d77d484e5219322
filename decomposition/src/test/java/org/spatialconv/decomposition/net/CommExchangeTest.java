package org.spatialconv.decomposition.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The double allreduce of {@link CommExchange} (two floats per value through the communicator's float sum): the
 * same result on every rank, the double sum to float accuracy, and a single rank's values nearly unchanged.
 */
class CommExchangeTest {
    /** Relative error of a sum accumulated in float. */
    private static final double SUM_TOL = 1e-6;
    /** A lone value survives as hi + lo: about 48 significant bits. */
    private static final double ONE_RANK_TOL = 1e-13;
    private static final int VALUES = 50;

    private static double[] values(int rank) {
        Random rnd = new Random(100 + rank);
        double[] v = new double[VALUES];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 3);
        }
        return v;
    }

    @Test
    void allreduceOfDoublesIsTheSameOnEveryRank() {
        int ranks = 3;
        List<double[]> got = LocalRanks.run(ranks, Duration.ofSeconds(30), ex -> {
            double[] v = values(ex.rank());
            ex.allreduce(v);
            return v;
        });
        double[] want = new double[VALUES];
        for (int r = 0; r < ranks; r++) {
            double[] v = values(r);
            for (int i = 0; i < VALUES; i++) {
                want[i] += v[i];
            }
        }
        int checked = 0;
        for (int i = 0; i < VALUES; i++) {
            double scale = Math.abs(values(0)[i]) + Math.abs(values(1)[i]) + Math.abs(values(2)[i]);
            assertEquals(want[i], got.get(0)[i], SUM_TOL * scale, "value " + i);
            checked++;
        }
        for (double[] other : got) {
            assertArrayEquals(got.get(0), other, "every rank holds the same sums");
        }
        assertEquals(VALUES, checked);
    }

    @Test
    void oneRankKeepsItsValues() {
        double[] got = LocalRanks.run(1, Duration.ofSeconds(30), ex -> {
            double[] v = values(0);
            ex.allreduce(v);
            return v;
        }).get(0);
        double[] want = values(0);
        for (int i = 0; i < VALUES; i++) {
            assertEquals(want[i], got[i], ONE_RANK_TOL * Math.abs(want[i]), "value " + i);
        }
    }
}
