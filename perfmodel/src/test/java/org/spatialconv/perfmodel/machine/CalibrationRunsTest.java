package org.spatialconv.perfmodel.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class CalibrationRunsTest {
    @Test
    void shortWorkGetsMoreRunsLongWorkTheFewest() {
        assertEquals(Calibration.REPEATS, Calibration.runs(1e9)); // a 1 s conv: 5 runs
        assertEquals(Calibration.REPEATS, Calibration.runs(30e6)); // 30 ms: 100 ms would be 3, at least 5
        assertEquals(11, Calibration.runs(10e6)); // 10 ms: 10 for 100 ms, made odd
        assertEquals(Calibration.MAX_RUNS, Calibration.runs(1e3)); // 1 us: capped
        assertEquals(Calibration.MAX_RUNS, Calibration.runs(0));
    }

    @Test
    void medianIsTheMiddleValue() {
        assertEquals(3.0, Calibration.median(new double[] {9, 1, 3, 2, 7}));
        assertEquals(5.0, Calibration.median(new double[] {9, 1, 3, 7})); // the mean of the two middle values
        assertEquals(4.0, Calibration.median(new double[] {4}));
        assertThrows(IllegalArgumentException.class, () -> Calibration.median(new double[0]));
    }
}
