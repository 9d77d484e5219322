package org.spatialconv.decomposition.grid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProcessGridTest {
    @Test
    void rankAndCoordsRoundTripRowMajor() {
        ProcessGrid g = new ProcessGrid(2, 1, 3, 2);
        assertEquals(12, g.size());
        int checked = 0;
        for (int r = 0; r < g.size(); r++) {
            assertEquals(r, g.rankOf(g.coords(r)));
            checked++;
        }
        assertEquals(12, checked);
        assertArrayEquals(new int[] {0, 0, 0, 1}, g.coords(1));
        assertArrayEquals(new int[] {1, 0, 0, 0}, g.coords(6));
    }

    @Test
    void parsesThreeAndFourFields() {
        assertEquals(new ProcessGrid(2, 1, 3, 4), ProcessGrid.parse("2,3,4"));
        assertEquals(new ProcessGrid(2, 1, 3, 4), ProcessGrid.parse(" 2, 1,3 ,4"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProcessGrid.parse("2,x,4"));
        assertTrue(e.getMessage().contains("integers"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ProcessGrid.parse("2,2"));
        assertThrows(IllegalArgumentException.class, () -> ProcessGrid.parse("0,1,1"));
    }

    @Test
    void productMustMatchRankCount() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProcessGrid.nhw(1, 2, 2).requireSize(3));
        assertTrue(e.getMessage().contains("has 4 cells but there are 3 ranks"), e.getMessage());
    }
}
