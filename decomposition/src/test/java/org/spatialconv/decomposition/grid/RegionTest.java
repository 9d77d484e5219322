package org.spatialconv.decomposition.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RegionTest {
    private static Region box(int l0, int h0, int l1, int h1) {
        return new Region(new int[] {l0, l1}, new int[] {h0, h1});
    }

    @Test
    void intersectionHullContainment() {
        Region a = box(0, 5, 2, 8);
        Region b = box(3, 9, 0, 4);
        assertEquals(box(3, 5, 2, 4), a.intersect(b));
        assertEquals(box(0, 9, 0, 8), a.hull(b));
        assertTrue(a.hull(b).contains(a));
        assertFalse(a.contains(b));
        assertTrue(a.intersect(box(5, 6, 0, 9)).isEmpty());
        assertEquals(0, a.intersect(box(5, 6, 0, 9)).size());
        assertEquals(15, box(0, 5, 2, 5).size());
        assertEquals(box(-1, 4, 0, 3), a.with(1, 2, 5).relativeTo(box(1, 2, 2, 3)));
    }

    @Test
    void rejectsInvertedBounds() {
        assertThrows(IllegalArgumentException.class, () -> box(3, 2, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> box(0, 1, 0, 1).intersect(Region.of(1, 1, 1)));
    }
}
