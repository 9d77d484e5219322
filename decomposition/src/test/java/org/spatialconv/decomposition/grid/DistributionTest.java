package org.spatialconv.decomposition.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DistributionTest {
    @Test
    void blocksTileTheShapeAndDifferByAtMostOne() {
        int checked = 0;
        for (int extent = 1; extent <= 23; extent++) {
            for (int parts = 1; parts <= extent; parts++) {
                int min = Integer.MAX_VALUE;
                int max = 0;
                for (int i = 0; i < parts; i++) {
                    int len = Distribution.blockStart(extent, parts, i + 1) - Distribution.blockStart(extent, parts, i);
                    min = Math.min(min, len);
                    max = Math.max(max, len);
                }
                assertEquals(0, Distribution.blockStart(extent, parts, 0));
                assertEquals(extent, Distribution.blockStart(extent, parts, parts));
                assertTrue(max - min <= 1 && min >= 1, extent + "/" + parts);
                checked++;
            }
        }
        assertEquals(276, checked);
    }

    @Test
    void ownedBoxesAreDisjointAndCoverEverything() {
        Distribution d = new Distribution(new ProcessGrid(2, 1, 3, 2), new int[] {3, 5, 7, 3});
        int[] cover = new int[3 * 5 * 7 * 3];
        for (Region r : d.owns()) {
            for (int n = r.lo(0); n < r.hi(0); n++) {
                for (int c = r.lo(1); c < r.hi(1); c++) {
                    for (int h = r.lo(2); h < r.hi(2); h++) {
                        for (int w = r.lo(3); w < r.hi(3); w++) {
                            cover[((n * 5 + c) * 7 + h) * 3 + w]++;
                        }
                    }
                }
            }
        }
        for (int v : cover) {
            assertEquals(1, v);
        }
        assertEquals(new Region(new int[] {0, 0, 0, 0}, new int[] {2, 5, 3, 2}), d.own(0));
        assertEquals(new Region(new int[] {2, 0, 5, 2}, new int[] {3, 5, 7, 3}), d.own(11));
    }

    @Test
    void moreRanksThanRowsIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Distribution(ProcessGrid.nhw(1, 5, 1), new int[] {1, 3, 4, 8}));
        assertTrue(e.getMessage().contains("into 5 parts but it has only 4 elements"), e.getMessage());
    }

    @Test
    void oneRowPerRankIsAllowed() {
        Distribution d = new Distribution(ProcessGrid.nhw(1, 4, 1), new int[] {1, 1, 4, 2});
        for (int r = 0; r < 4; r++) {
            assertEquals(1, d.own(r).extent(2));
        }
    }
}
