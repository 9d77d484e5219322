package org.spatialconv.jmh;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.decomposition.grid.ProcessGrid;
import org.spatialconv.decomposition.layer.OverlapMode;

/**
 * A/B timing of one 3x3 (pad 1) layer under several rank/thread configurations, interleaved round by round so
 * that load from other processes on a shared machine hits every configuration alike. Usage:
 * {@code EfficiencyProbe N C H W K rounds config...} with configs like {@code 1,1,1:2:ON} (grid : threads per
 * rank : overlap). Data is already distributed (each rank holds only its blocks), so this times the
 * distributed passes alone. Prints min and median per pass and configuration.
 */
public final class EfficiencyProbe {
    private EfficiencyProbe() {
    }

    private record Config(String name, RankGroup group, AtomicReference<LayerRanks.Pass> pass, double[][] ms) {
    }

    /** Runs the probe. */
    public static void main(String[] args) {
        Shape x = Shape.nchw(Integer.parseInt(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                Integer.parseInt(args[3]));
        int k = Integer.parseInt(args[4]);
        int rounds = Integer.parseInt(args[5]);
        ConvGeometry g = ConvGeometry.square(3, 1, 1, 1, 1);
        List<Config> configs = new ArrayList<>();
        for (int i = 6; i < args.length; i++) {
            String[] f = args[i].split(":");
            AtomicReference<LayerRanks.Pass> pass = new AtomicReference<>(LayerRanks.Pass.FORWARD);
            RankGroup group = LayerRanks.selectable(ProcessGrid.parse(f[0]), g, x, g.weightShape(x.c(), k),
                    OverlapMode.valueOf(f[2]), Integer.parseInt(f[1]), pass);
            configs.add(new Config(args[i], group, pass, new double[3][rounds]));
        }
        LayerRanks.Pass[] passes = LayerRanks.Pass.values();
        for (int warm = 0; warm < 2; warm++) {
            for (Config c : configs) {
                for (LayerRanks.Pass p : passes) {
                    c.pass.set(p);
                    c.group.round();
                }
            }
        }
        for (int r = 0; r < rounds; r++) {
            for (int j = 0; j < configs.size(); j++) {
                Config c = configs.get((j + r) % configs.size());
                for (LayerRanks.Pass p : passes) {
                    c.pass.set(p);
                    long t0 = System.nanoTime();
                    c.group.round();
                    c.ms[p.ordinal()][r] = (System.nanoTime() - t0) / 1e6;
                }
            }
        }
        System.out.printf(Locale.ROOT, "layer %s K=%d 3x3 pad 1, %d interleaved rounds%n", x, k, rounds);
        System.out.printf(Locale.ROOT, "%-16s %-16s %10s %10s%n", "config", "pass", "min ms", "median ms");
        for (Config c : configs) {
            for (LayerRanks.Pass p : passes) {
                double[] s = c.ms[p.ordinal()].clone();
                Arrays.sort(s);
                System.out.printf(Locale.ROOT, "%-16s %-16s %10.1f %10.1f%n", c.name, p, s[0], s[s.length / 2]);
            }
            c.group.close();
        }
    }
}
