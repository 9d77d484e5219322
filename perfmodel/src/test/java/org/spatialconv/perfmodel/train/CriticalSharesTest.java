package org.spatialconv.perfmodel.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class CriticalSharesTest {
    @Test
    void countsALateRanksDelayOnceInTheLayerWhereItWasSpent() {
        // 2 network layers and the loss; events: start, fwd 0, fwd 1, loss, bwd 1, bwd 0 (execution order)
        double[] timeline = {
            0, 5, 9, 10, 14, 20, // rank 0 (two steps: step 0 here, step 1 below)
            0, 7, 8, 11, 12, 25, // rank 1
            100, 101, 102, 103, 104, 105,
            100, 101, 102, 103, 104, 105,
        };
        double[][] s = Trainer.criticalShares(timeline, 2, 2, 3);
        // step 0: largest over ranks = 0, 7, 9, 11, 14, 25
        // layer 0: (7 - 0) + (25 - 14); layer 1: (9 - 7) + (14 - 11); loss: 11 - 9; they add up to 25
        assertArrayEquals(new double[] {18, 2}, s[0], 0);
        assertArrayEquals(new double[] {5, 2}, s[1], 0);
        assertArrayEquals(new double[] {2, 1}, s[2], 0);
    }

    @Test
    void oneRankIsItsOwnLayerTimes() {
        double[] timeline = {3, 4, 6, 7, 8, 9}; // start, fwd 0, fwd 1, loss, bwd 1, bwd 0
        double[][] s = Trainer.criticalShares(timeline, 1, 1, 3);
        assertArrayEquals(new double[] {1 + 1}, s[0], 0);
        assertArrayEquals(new double[] {2 + 1}, s[1], 0);
        assertArrayEquals(new double[] {1}, s[2], 0);
    }
}
