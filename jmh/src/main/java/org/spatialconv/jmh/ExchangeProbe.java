package org.spatialconv.jmh;

import java.util.Arrays;
import java.util.Locale;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.decomposition.exchange.Block;
import org.spatialconv.decomposition.exchange.ExchangeMode;
import org.spatialconv.decomposition.exchange.RegionExchange;
import org.spatialconv.decomposition.grid.ConvHalo;
import org.spatialconv.decomposition.grid.Distribution;
import org.spatialconv.decomposition.grid.ProcessGrid;
import org.spatialconv.decomposition.grid.Region;

/**
 * Halo-exchange time against bytes between in-JVM ranks, for a 3x3 halo of a 1 x C x H x W tensor on a grid:
 * usage {@code ExchangeProbe grid C reps W...} (square H = W). Each size runs {@code reps} exchanges (after
 * warm-up); prints bytes sent per rank, min and median microseconds, and a least-squares fit
 * {@code t = alpha + bytes / bandwidth} over the minima.
 */
public final class ExchangeProbe {
    /** Untimed exchanges per size, so the JIT has compiled the pack loops. */
    private static final int WARMUP = 300;

    private ExchangeProbe() {
    }

    /** Runs the probe. */
    public static void main(String[] args) {
        ProcessGrid grid = ProcessGrid.parse(args[0]);
        int c = Integer.parseInt(args[1]);
        int reps = Integer.parseInt(args[2]);
        int sizes = args.length - 3;
        double[] bytes = new double[sizes];
        double[] minUs = new double[sizes];
        System.out.printf(Locale.ROOT, "grid %s, C=%d, 3x3 halo, %d exchanges per size%n", grid, c, reps);
        System.out.printf(Locale.ROOT, "%8s %14s %10s %10s %12s%n", "HxW", "bytes/rank", "min us", "median us",
                "GB/s at min");
        for (int i = 0; i < sizes; i++) {
            int w = Integer.parseInt(args[3 + i]);
            Shape x = Shape.nchw(1, c, w, w);
            ConvGeometry g = ConvGeometry.square(3, 1, 1, 1, 1);
            Region[] own = new Distribution(grid, x.dims()).owns();
            Region[] need = new Region[own.length];
            for (int r = 0; r < own.length; r++) {
                need[r] = ConvHalo.need(g, x, own[r]);
            }
            RegionExchange plan = new RegionExchange(own, need);
            double[] us = new double[reps];
            try (RankGroup group = new RankGroup(grid.size(), comm -> {
                Block b = Block.allocate(own[comm.rank()].hull(need[comm.rank()]));
                return () -> plan.run(comm, b, b, ExchangeMode.COPY);
            })) {
                for (int k = 0; k < WARMUP; k++) {
                    group.round();
                }
                for (int k = 0; k < reps; k++) {
                    long t0 = System.nanoTime();
                    group.round();
                    us[k] = (System.nanoTime() - t0) / 1e3;
                }
            }
            long maxBytes = 0;
            for (int r = 0; r < own.length; r++) {
                maxBytes = Math.max(maxBytes, plan.bytesSent(r));
            }
            Arrays.sort(us);
            bytes[i] = maxBytes;
            minUs[i] = us[0];
            System.out.printf(Locale.ROOT, "%8s %14d %10.1f %10.1f %12.2f%n", w + "x" + w, maxBytes, us[0],
                    us[reps / 2], maxBytes / (us[0] * 1e3));
        }
        // least squares t = a + b * bytes
        double n = sizes;
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (int i = 0; i < sizes; i++) {
            sx += bytes[i];
            sy += minUs[i];
            sxx += bytes[i] * bytes[i];
            sxy += bytes[i] * minUs[i];
        }
        double b = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        double a = (sy - b * sx) / n;
        System.out.printf(Locale.ROOT, "fit over minima: alpha = %.1f us, beta = %.3f ns/byte (%.2f GB/s)%n", a,
                b * 1e3, 1.0 / (b * 1e3));
    }
}
