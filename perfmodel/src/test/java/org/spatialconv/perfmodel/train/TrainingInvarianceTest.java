package org.spatialconv.perfmodel.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.spatialconv.conv.reference.ReferenceConv;
import org.spatialconv.perfmodel.net.NetworkJson;
import org.spatialconv.perfmodel.net.NetworkSpec;
import org.spatialconv.perfmodel.zoo.MeshNet;
import org.spatialconv.perfmodel.zoo.UNet;

/**
 * Training the zoo's U-Net (small) and meshnet for 5 steps on grids 1,2,2 / 2,2,1 / 1,1,4 gives the loss curve
 * and parameters of grid 1,1,1.
 */
class TrainingInvarianceTest {
    /** Relative error allowed in each step's loss, in the whole parameter vector, and per parameter tensor. */
    private static final double TOL = 1e-4;
    /**
     * Per tensor the error is taken relative to max(||w||, FLOOR * sqrt(size)): batch-norm shifts start at 0 and
     * stay near it (norm ~1e-3 after 5 steps), so their own norm is no scale for the float rounding of the
     * gradient sums that moved them (seen: 1e-5 absolute, 1e-3 "relative" on meshnet after the CPU backend
     * changed its summation order; every other tensor agrees to ~1e-5).
     */
    private static final double FLOOR = 0.1;
    private static final int STEPS = 5;
    private static final long SEED = 11L;
    private static final int[][] GRIDS = {{1, 2, 2}, {2, 2, 1}, {1, 1, 4}};

    private static TrainResult train(NetworkSpec spec, int[] grid) {
        return Trainer.run(new TrainConfig(spec, 32, 32, 2, grid, STEPS, SEED, 1, "sgd", 0.01, 20), s -> { });
    }

    private static int compare(String model, NetworkSpec spec) {
        TrainResult want = train(spec, new int[] {1, 1, 1});
        assertTrue(want.loss()[STEPS - 1] < want.loss()[0], model + " loss should fall: "
                + java.util.Arrays.toString(want.loss()));
        int compared = 0;
        for (int[] grid : GRIDS) {
            TrainResult got = train(spec, grid);
            String where = model + " on grid " + grid[0] + "," + grid[1] + "," + grid[2];
            for (int s = 0; s < STEPS; s++) {
                assertEquals(want.loss()[s], got.loss()[s], TOL * Math.abs(want.loss()[s]), where + " step " + s);
            }
            List<org.spatialconv.conv.Tensor> wp = want.parameters();
            assertEquals(wp.size(), got.parameters().size());
            double diffAll = 0;
            double normAll = 0;
            for (int i = 0; i < wp.size(); i++) {
                float[] a = got.parameters().get(i).data();
                float[] b = wp.get(i).data();
                double diff = 0;
                double norm = 0;
                for (int k = 0; k < a.length; k++) {
                    diff += ((double) a[k] - b[k]) * ((double) a[k] - b[k]);
                    norm += (double) b[k] * b[k];
                }
                diffAll += diff;
                normAll += norm;
                double err = Math.sqrt(diff) / Math.max(Math.sqrt(norm), FLOOR * Math.sqrt(a.length));
                assertTrue(err < TOL, where + " parameter " + i + " rel err " + err + " (norm " + Math.sqrt(norm)
                        + ", plain rel err " + ReferenceConv.relativeL2(a, b) + ")");
                compared++;
            }
            assertTrue(Math.sqrt(diffAll / normAll) < TOL, where + " all parameters rel err "
                    + Math.sqrt(diffAll / normAll));
        }
        return compared;
    }

    @Test
    void unetIsInvariant() {
        NetworkSpec spec = UNet.build(1, 1, 4, 2);
        int n = compare("unet", spec);
        assertTrue(n > 3 * 20, "compared " + n);
    }

    @Test
    void meshnetIsInvariant() {
        int n = compare("meshnet", MeshNet.build(3, 2));
        assertTrue(n > 3 * 20, "compared " + n);
    }

    @Test
    void badNetworksNameTheLayer() {
        // 30x30 through two 2x2 pools is 7x7; upsampled back it is 14x14 but the skip is 15x15.
        NetworkSpec spec = NetworkJson.parse(NetworkJson.write(UNet.build(1, 1, 4, 2)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Trainer.run(new TrainConfig(spec, 30, 30, 1, new int[] {1, 1, 1}, 1, 1, 1, "sgd", 0.1, 0),
                        s -> { }));
        assertTrue(e.getMessage().startsWith("layer 'cat1'"), e.getMessage());
    }
}
