package org.spatialconv.conv.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Window;

/** Launch-geometry math of the convolution and pack kernels, checked without a GPU. */
class ConvLaunchTest {
    private static final long SEED = 11L;
    private static final int H100_SMS = 132;

    @Test
    void forwardAtIssueShapes() {
        ConvGeometry g = ConvGeometry.square(3, 1, 1, 1, 1);
        Shape x = Shape.nchw(1, 16, 1024, 1024);
        Shape w = g.weightShape(16, 16);
        ConvLaunch l = ConvLaunch.forward(x, w, g, Window.full(Shape.nchw(1, 16, 1024, 1024)));
        assertEquals("sc_conv_fwd_m16n256", l.kernel());
        assertArrayEquals(new int[] {1024 * 1024 / 256, 1, 1}, l.grid());
        assertEquals(256, l.block());
        assertArrayEquals(new int[] {1, 16, 1024, 1024, 16, 1024, 1024, 1, 16, 16, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0, 1024,
            1024, 0}, l.params());

        Shape x2 = Shape.nchw(8, 64, 56, 56);
        ConvLaunch l2 = ConvLaunch.forward(x2, g.weightShape(64, 64), g, Window.full(x2));
        assertEquals("sc_conv_fwd_m64", l2.kernel());
        assertArrayEquals(new int[] {(8 * 56 * 56 + 63) / 64, 1, 1}, l2.grid());

        Shape x3 = Shape.nchw(4, 128, 256, 256);
        ConvLaunch l3 = ConvLaunch.backwardData(x3, g.weightShape(128, 128), g, Window.full(x3));
        assertEquals("sc_conv_bwd_data_m128n128", l3.kernel());
        assertArrayEquals(new int[] {4 * 256 * 256 / 128, 1, 1}, l3.grid());
        assertEquals(256, l3.block());

        Shape x4 = Shape.nchw(1, 64, 512, 512);
        ConvLaunch l4 = ConvLaunch.forward(x4, g.weightShape(64, 64), g, Window.full(x4));
        assertEquals("sc_conv_fwd_m64n128", l4.kernel());
        assertArrayEquals(new int[] {512 * 512 / 128, 1, 1}, l4.grid());
        assertEquals(128, l4.block(), "the 64x128 tile runs 128 threads");
        ConvLaunch l5 = ConvLaunch.forward(x4, g.weightShape(64, 64), g, Window.of2d(0, 8, 0, 512));
        assertEquals("sc_conv_fwd_m64", l5.kernel(), "a thin strip has too few pixels for the big tile");
    }

    @Test
    void candidateVariantsStartWithTheHeuristicAndSkipWastefulTiles() {
        assertEquals(List.of("m16n256", "m16n256_pipe", "m16", "m16_pipe"),
                ConvLaunch.candidateVariants(16, 1 << 20), "16 rows: no 64- or 128-row tile");
        assertEquals(List.of("m64n128", "m64n128_pipe", "m64", "m64_pipe", "m32", "m32_pipe", "m16", "m16_pipe",
                "m16n256", "m16n256_pipe"), ConvLaunch.candidateVariants(64, 1 << 20));
        assertEquals(List.of("m128n128", "m128n128_pipe", "m64", "m64_pipe", "m32", "m32_pipe", "m16", "m16_pipe",
                "m64n128", "m64n128_pipe", "m16n256", "m16n256_pipe"), ConvLaunch.candidateVariants(128, 1 << 20));
        assertEquals("m64", ConvLaunch.candidateVariants(64, 100).get(0), "few pixels: the small tile first");
        Random rnd = new Random(SEED);
        for (int i = 0; i < 200; i++) {
            int m = 1 + rnd.nextInt(300);
            long pixels = 1 + rnd.nextInt(1 << 20);
            List<String> c = ConvLaunch.candidateVariants(m, pixels);
            assertEquals(ConvLaunch.heuristicTile(m, pixels).name(), c.get(0));
            assertEquals(c.size(), new java.util.HashSet<>(c).size(), "no duplicates: " + c);
            assertTrue(ConvLaunch.variantNames().containsAll(c), c.toString());
            assertEquals(0, c.size() % 2, "each tile plain and pipelined: " + c);
        }
        assertEquals(List.of("m16", "m16_pipe", "m16n256", "m16n256_pipe"), ConvLaunch.filterCandidateVariants(16));
        assertEquals(List.of("m64", "m64_pipe", "m16", "m16_pipe", "m16n256", "m16n256_pipe"),
                ConvLaunch.filterCandidateVariants(64));
        assertEquals(List.of("m64", "m64_pipe", "m16", "m16_pipe", "m128n128", "m128n128_pipe", "m16n256",
                "m16n256_pipe"), ConvLaunch.filterCandidateVariants(65));
        List<String> withTf32 = ConvLaunch.candidateVariants(64, 1 << 20, true);
        assertEquals(ConvLaunch.candidateVariants(64, 1 << 20), withTf32.subList(0, withTf32.size() - 1));
        assertEquals("m128n128_tf32", withTf32.get(withTf32.size() - 1), "TF32 only when allowed, after the rest");
        assertEquals(26, ConvLaunch.gemmKernelNames().size());
        assertTrue(ConvLaunch.gemmKernelNames().contains("sc_conv_fwd_m128n128_tf32"));
        assertEquals(8, ConvLaunch.filterKernelNames().size());
        assertTrue(ConvLaunch.gemmKernelNames().contains("sc_conv_bwd_data_m16n256_pipe"));
    }

    @Test
    void forcedVariantsLaunchTheirOwnGeometry() {
        ConvGeometry g = ConvGeometry.square(3, 1, 1, 1, 1);
        Shape x = Shape.nchw(2, 64, 40, 30);
        Shape w = g.weightShape(64, 96);
        Window win = Window.full(g.outputShape(x, w));
        ConvLaunch h = ConvLaunch.forward(x, w, g, win);
        for (String v : ConvLaunch.variantNames()) {
            ConvLaunch.Tile t = ConvLaunch.tileOf(v).orElseThrow();
            ConvLaunch l = ConvLaunch.forward(x, w, g, win, v);
            assertEquals("sc_conv_fwd_" + v, l.kernel());
            assertEquals(t.threads(), l.block());
            assertArrayEquals(new int[] {(2 * 40 * 30 + t.columns() - 1) / t.columns(), (96 + t.rows() - 1) / t.rows(), 1},
                    l.grid(), v);
            assertArrayEquals(h.params(), l.params(), "every variant takes the same ConvParams");
            ConvLaunch b = ConvLaunch.backwardData(x, w, g, Window.full(x), v);
            assertEquals("sc_conv_bwd_data_" + v, b.kernel());
            assertEquals((64 + t.rows() - 1) / t.rows(), b.grid()[1], v);
        }
        for (String v : ConvLaunch.filterVariantNames()) {
            ConvLaunch f = ConvLaunch.backwardFilter(x, w, g, win, H100_SMS, v);
            assertEquals("sc_conv_bwd_filter_" + v, f.kernel());
            ConvLaunch.Tile t = ConvLaunch.tileOf(v, ConvLaunch.FILTER_TILES).orElseThrow();
            int bn = t.columns();
            int bm = t.rows();
            assertEquals((64 * 9 + bn - 1) / bn, f.grid()[0], v);
            assertEquals((96 + bm - 1) / bm, f.grid()[1], v);
            assertEquals(f.splits(), f.grid()[2], v);
            assertEquals((long) f.splits() * w.size(), f.workspaceFloats(), v);
        }
        assertEquals("sc_conv_bwd_filter_m64", ConvLaunch.backwardFilter(x, w, g, win, H100_SMS).kernel());
        assertThrows(IllegalArgumentException.class, () -> ConvLaunch.backwardFilter(x, w, g, win, 1, "m32"));
        ConvLaunch tc = ConvLaunch.forward(x, w, g, win, "m128n128_tf32");
        assertEquals("sc_conv_fwd_m128n128_tf32", tc.kernel());
        assertEquals(256, tc.block());
        assertArrayEquals(new int[] {(2 * 40 * 30 + 127) / 128, 1, 1}, tc.grid());
        assertEquals("sc_conv_bwd_data_m128n128_tf32", ConvLaunch.backwardData(x, w, g, Window.full(x),
                "m128n128_tf32").kernel());
        assertThrows(IllegalArgumentException.class, () -> ConvLaunch.forward(x, w, g, win, "m16_tf32"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConvLaunch.forward(x, w, g, win, "m8"));
        assertTrue(e.getMessage().startsWith("unknown tile variant 'm8' (one of m64, m64_pipe,"), e.getMessage());
    }

    @Test
    void tileChoiceFollowsRowsAndGroups() {
        ConvGeometry g = ConvGeometry.square(3, 2, 1, 2, 4);
        Shape x = Shape.nchw(2, 4 * 40, 33, 17);
        Shape w = g.weightShape(4 * 40, 4 * 20);
        Shape y = g.outputShape(x, w);
        ConvLaunch f = ConvLaunch.forward(x, w, g, Window.of2d(1, 5, 2, 7));
        assertEquals("sc_conv_fwd_m32", f.kernel(), "20 filters per group");
        assertArrayEquals(new int[] {1, 1, 4}, f.grid(), "2*4*5 = 40 pixels, one 128-wide tile, 4 groups");
        assertArrayEquals(new int[] {1, 2, 4, 5}, new int[] {f.params()[18], f.params()[19], f.params()[20],
            f.params()[21]}, "window lo and extent");
        ConvLaunch d = ConvLaunch.backwardData(x, w, g, Window.full(x));
        assertEquals("sc_conv_bwd_data_m32", d.kernel(), "40 channels per group");
        assertEquals(y.c(), f.params()[4]);
    }

    @Test
    void backwardFilterSplitCoversEveryTileOnce() {
        Random rnd = new Random(SEED);
        int checked = 0;
        for (int i = 0; i < 500; i++) {
            int groups = 1 + rnd.nextInt(3);
            ConvGeometry g = ConvGeometry.square(1 + rnd.nextInt(3), 1, 1, 1, groups);
            Shape x = Shape.nchw(1 + rnd.nextInt(4), groups * (1 + rnd.nextInt(70)), 1 + rnd.nextInt(300),
                    1 + rnd.nextInt(300));
            Shape w = g.weightShape(x.c(), groups * (1 + rnd.nextInt(70)));
            Shape y = g.outputShape(x, w);
            Window win = Window.of2d(0, y.h(), 0, y.w());
            int sms = 1 + rnd.nextInt(200);
            ConvLaunch l = ConvLaunch.backwardFilter(x, w, g, win, sms);
            long pixels = (long) x.n() * y.h() * y.w();
            long tiles = (pixels + ConvLaunch.BK - 1) / ConvLaunch.BK;
            int perSplit = l.params()[22];
            String ctx = "seed " + SEED + " case " + i + " x=" + x + " w=" + w;
            assertTrue(perSplit >= 1, ctx);
            assertTrue((long) perSplit * l.splits() >= tiles, "splits must cover every tile: " + ctx);
            assertTrue((long) perSplit * (l.splits() - 1) < tiles, "no empty split: " + ctx);
            assertTrue(l.splits() == 1 || perSplit >= ConvLaunch.MIN_TILES_PER_SPLIT / 2, "tiny splits: " + ctx);
            assertEquals((long) groups * l.splits(), l.grid()[2], ctx);
            assertEquals((long) l.splits() * w.size(), l.workspaceFloats(), ctx);
            checked++;
        }
        assertEquals(500, checked);
        Shape x = Shape.nchw(1, 16, 1024, 1024);
        ConvGeometry g = ConvGeometry.square(3, 1, 1, 1, 1);
        ConvLaunch big = ConvLaunch.backwardFilter(x, g.weightShape(16, 16), g, Window.full(x), H100_SMS);
        assertEquals("sc_conv_bwd_filter_m16", big.kernel());
        assertEquals(2, big.grid()[0], "144 = 16*3*3 columns in 128-wide tiles");
        assertEquals(H100_SMS * ConvLaunch.BLOCKS_PER_SM / 2, big.splits(), "fills 4 blocks per SM");
    }

    @Test
    void packGridAndBoxValidation() {
        assertArrayEquals(new int[] {1, 2 * 3 * 5, 1}, CudaConv.packGrid(new int[] {2, 3, 5, 7}));
        assertArrayEquals(new int[] {8, 65535, 1}, CudaConv.packGrid(new int[] {4, 64, 1024, 1024}));
        assertArrayEquals(new int[] {9, 10, 11, 12, 1, 2, 3, 4, 8, 8, 8, 8},
                CudaConv.box(new int[] {9, 10, 11, 12}, new int[] {1, 2, 3, 4}, new int[] {8, 8, 8, 8}));
        assertThrows(IllegalArgumentException.class,
                () -> CudaConv.box(new int[] {9, 10, 11, 12}, new int[] {1, 2, 3, 5}, new int[] {8, 8, 8, 8}));
        assertThrows(IllegalArgumentException.class,
                () -> CudaConv.box(new int[] {9, 10, 11, 12}, new int[] {0, 0, 0, 0}, new int[] {1, 0, 1, 1}));
        assertThrows(IllegalArgumentException.class, () -> ConvLaunch.forward(Shape.of(1, 1, 4, 4, 4),
                Shape.of(1, 1, 1, 1, 1), new ConvGeometry(new int[] {1, 1, 1}, new int[] {1, 1, 1}, new int[3],
                        new int[3], new int[] {1, 1, 1}, 1), new Window(new int[3], new int[] {4, 4, 4})));
    }

    @Test
    void poolGeometryIsValidated() {
        assertThrows(IllegalArgumentException.class, () -> new CudaOps.Pool(2, 2, 1, 1, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> new CudaOps.Pool(3, 3, 1, 1, 0, 0)
                .outputShape(Shape.nchw(1, 1, 2, 5)));
        assertEquals(Shape.nchw(1, 1, 1, 3), new CudaOps.Pool(3, 3, 1, 1, 1, 1).outputShape(Shape.nchw(1, 1, 1, 3)));
        assertEquals(Shape.nchw(2, 3, 4, 5), new CudaOps.Pool(2, 2, 2, 2, 0, 0).outputShape(Shape.nchw(2, 3, 8, 11)));
    }
}
