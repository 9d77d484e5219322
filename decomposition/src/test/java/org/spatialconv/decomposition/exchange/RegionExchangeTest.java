package org.spatialconv.decomposition.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.decomposition.comm.jvm.InJvmWorld;
import org.spatialconv.decomposition.grid.ConvHalo;
import org.spatialconv.decomposition.grid.Distribution;
import org.spatialconv.decomposition.grid.ProcessGrid;
import org.spatialconv.decomposition.grid.Region;

/**
 * Every element holds a value encoding its global coordinate, so a misplaced element is caught exactly.
 * Covers halo exchange (including thin partitions whose halo spans several peers), shuffles between
 * distributions, and the accumulating gradient push.
 */
class RegionExchangeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    /** Grids (N,C,H,W) and global shapes; uneven and thin ones included. */
    private static final int[][][] CASES = {
        {{1, 1, 2, 1}, {1, 2, 7, 5}},
        {{1, 1, 1, 3}, {2, 1, 4, 11}},
        {{1, 1, 2, 2}, {1, 3, 9, 7}},
        {{2, 1, 2, 2}, {3, 2, 5, 6}},
        {{1, 1, 8, 1}, {1, 1, 10, 4}},
        {{1, 1, 3, 2}, {1, 2, 4, 3}},
        {{3, 1, 1, 1}, {5, 2, 3, 3}},
    };

    /** Geometries whose halos differ: plain, wide (thin partitions), strided-dilated, asymmetric. */
    private static final ConvGeometry[] GEOMETRIES = {
        ConvGeometry.square(3, 1, 1, 1, 1),
        ConvGeometry.square(5, 1, 2, 1, 1),
        ConvGeometry.of2d(3, 2, 2, 1, 2, 0, 2, 1, 1),
        new ConvGeometry(new int[] {4, 2}, new int[] {1, 1}, new int[] {3, 0}, new int[] {0, 1}, new int[] {1, 1}, 1),
    };

    static float coord(int[] dims, int n, int c, int h, int w) {
        return 1 + ((n * dims[1] + c) * dims[2] + h) * dims[3] + w;
    }

    static void fillCoords(Block b, Region r, int[] dims) {
        for (int n = r.lo(0); n < r.hi(0); n++) {
            for (int c = r.lo(1); c < r.hi(1); c++) {
                for (int h = r.lo(2); h < r.hi(2); h++) {
                    for (int w = r.lo(3); w < r.hi(3); w++) {
                        b.data().data()[b.indexOf(n, c, h, w)] = coord(dims, n, c, h, w);
                    }
                }
            }
        }
    }

    /** Counts elements of {@code r} in {@code b} that differ from {@code factor(g) * coord(g)}. */
    static int mismatches(Block b, Region r, int[] dims, Region[] coverers) {
        int bad = 0;
        for (int n = r.lo(0); n < r.hi(0); n++) {
            for (int c = r.lo(1); c < r.hi(1); c++) {
                for (int h = r.lo(2); h < r.hi(2); h++) {
                    for (int w = r.lo(3); w < r.hi(3); w++) {
                        float factor = 1;
                        if (coverers != null) {
                            factor = 0;
                            Region e = new Region(new int[] {n, c, h, w}, new int[] {n + 1, c + 1, h + 1, w + 1});
                            for (Region q : coverers) {
                                if (q.contains(e) && !q.isEmpty()) {
                                    factor++;
                                }
                            }
                        }
                        if (b.data().data()[b.indexOf(n, c, h, w)] != factor * coord(dims, n, c, h, w)) {
                            bad++;
                        }
                    }
                }
            }
        }
        return bad;
    }

    @Test
    void haloExchangeFillsEveryNeededElementInPlace() {
        int checked = 0;
        int multiPeer = 0;
        for (int[][] cs : CASES) {
            ProcessGrid grid = new ProcessGrid(cs[0]);
            int[] dims = cs[1];
            Shape x = Shape.of(dims);
            for (ConvGeometry g : GEOMETRIES) {
                Shape y = g.outputShape(x, g.weightShape(x.c(), 1));
                if (y.h() < grid.parts(2) || y.w() < grid.parts(3)) {
                    continue;
                }
                Distribution xd = new Distribution(grid, dims);
                Distribution yd = new Distribution(grid, y.dims());
                Region[] own = xd.owns();
                Region[] need = new Region[grid.size()];
                for (int r = 0; r < need.length; r++) {
                    need[r] = ConvHalo.need(g, x, yd.own(r));
                    int peers = 0;
                    for (Region o : own) {
                        peers += o.intersect(need[r]).isEmpty() ? 0 : 1;
                    }
                    multiPeer += peers >= 3 && grid.parts(2) * grid.parts(3) >= 3 ? 1 : 0;
                }
                RegionExchange plan = new RegionExchange(own, need);
                List<Integer> bad = InJvmWorld.launch(grid.size(), TIMEOUT, comm -> {
                    int r = comm.rank();
                    Block b = Block.allocate(own[r].hull(need[r]));
                    b.data().fill(Float.NaN);
                    fillCoords(b, own[r], dims);
                    plan.run(comm, b, b, ExchangeMode.COPY);
                    return mismatches(b, need[r], dims, null) + mismatches(b, own[r], dims, null);
                });
                for (int r = 0; r < bad.size(); r++) {
                    assertEquals(0, bad.get(r), "grid " + grid + " shape " + x + " " + g + " rank " + r);
                }
                checked++;
            }
        }
        assertTrue(checked >= 20, "checked " + checked);
        assertTrue(multiPeer > 0, "some halo spans several peers");
    }

    @Test
    void shuffleBetweenDistributionsIsExact() {
        int[] dims = {6, 2, 7, 5};
        ProcessGrid[][] pairs = {
            {new ProcessGrid(1, 1, 2, 3), new ProcessGrid(2, 1, 3, 1)},
            {new ProcessGrid(6, 1, 1, 1), new ProcessGrid(1, 1, 3, 2)},
            {new ProcessGrid(1, 1, 6, 1), new ProcessGrid(3, 1, 1, 2)},
        };
        int checked = 0;
        for (ProcessGrid[] pair : pairs) {
            Region[] a = new Distribution(pair[0], dims).owns();
            Region[] b = new Distribution(pair[1], dims).owns();
            RegionExchange plan = RegionExchange.shuffle(new Distribution(pair[0], dims),
                    new Distribution(pair[1], dims));
            List<Integer> bad = InJvmWorld.launch(a.length, TIMEOUT, comm -> {
                int r = comm.rank();
                Block src = Block.allocate(a[r]);
                fillCoords(src, a[r], dims);
                Block dst = Block.allocate(b[r]);
                dst.data().fill(Float.NaN);
                plan.run(comm, src, dst, ExchangeMode.COPY);
                return mismatches(dst, b[r], dims, null);
            });
            for (int r = 0; r < bad.size(); r++) {
                assertEquals(0, bad.get(r), pair[0] + " -> " + pair[1] + " rank " + r);
            }
            checked++;
        }
        assertEquals(pairs.length, checked);
    }

    @Test
    void shuffleRejectsMismatchedDistributions() {
        Distribution a = new Distribution(new ProcessGrid(1, 1, 2, 1), new int[] {1, 2, 6, 6});
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> RegionExchange.shuffle(a, new Distribution(new ProcessGrid(1, 1, 2, 2), new int[] {1, 2, 6, 6})));
        assertTrue(e.getMessage().contains("between 2 and 4 ranks"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> RegionExchange.shuffle(a, new Distribution(new ProcessGrid(1, 1, 2, 1), new int[] {1, 2, 6, 5})));
        assertTrue(e.getMessage().contains("different shapes"), e.getMessage());
    }

    @Test
    void accumulatePushSumsEveryContribution() {
        int checked = 0;
        for (int[][] cs : CASES) {
            ProcessGrid grid = new ProcessGrid(cs[0]);
            int[] dims = cs[1];
            Shape x = Shape.of(dims);
            ConvGeometry g = GEOMETRIES[1];
            Shape y = g.outputShape(x, g.weightShape(x.c(), 1));
            Distribution xd = new Distribution(grid, dims);
            Distribution yd = new Distribution(grid, y.dims());
            Region[] own = xd.owns();
            Region[] need = new Region[grid.size()];
            for (int r = 0; r < need.length; r++) {
                need[r] = ConvHalo.need(g, x, yd.own(r));
            }
            // push from owned ∪ halo back to owned, both in place (one block) and between separate blocks
            RegionExchange push = new RegionExchange(need, own);
            for (boolean inPlace : new boolean[] {true, false}) {
                List<Integer> bad = InJvmWorld.launch(grid.size(), TIMEOUT, comm -> {
                    int r = comm.rank();
                    Block src = Block.allocate(own[r].hull(need[r]));
                    fillCoords(src, need[r], dims);
                    Block dst = src;
                    if (!inPlace) {
                        dst = Block.allocate(own[r]);
                    } else {
                        // elements of own not in need start at zero: no local contribution
                        Block tmp = Block.allocate(src.box());
                        Boxes.copy(src, tmp, need[r], ExchangeMode.COPY);
                        dst = tmp;
                        src = tmp;
                    }
                    push.run(comm, src, dst, ExchangeMode.ACCUMULATE);
                    return mismatches(dst, own[r], dims, need);
                });
                for (int r = 0; r < bad.size(); r++) {
                    assertEquals(0, bad.get(r), "grid " + grid + " in place " + inPlace + " rank " + r);
                }
                checked++;
            }
        }
        assertEquals(2 * CASES.length, checked);
    }

    @Test
    void packUnpackRoundTrip() {
        int[] dims = {2, 3, 4, 5};
        Block b = Block.allocate(Region.of(dims));
        fillCoords(b, b.box(), dims);
        Region r = new Region(new int[] {1, 0, 1, 2}, new int[] {2, 2, 4, 5});
        float[] buf = new float[(int) r.size() + 1];
        Boxes.pack(b, r, buf, 1);
        Block c = Block.allocate(new Region(new int[] {1, 0, 0, 0}, new int[] {2, 3, 4, 5}));
        Boxes.unpack(buf, 1, c, r, ExchangeMode.COPY);
        assertEquals(0, mismatches(c, r, dims, null));
        Boxes.unpack(buf, 1, c, r, ExchangeMode.ACCUMULATE);
        assertEquals(0, mismatches(c, r, dims, new Region[] {r, r}));
        assertEquals(coord(dims, 1, 0, 1, 2), buf[1]);
        assertEquals(coord(dims, 1, 1, 3, 4), buf[buf.length - 1]);
    }
}
