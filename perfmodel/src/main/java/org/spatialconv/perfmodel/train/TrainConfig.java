package org.spatialconv.perfmodel.train;

import org.spatialconv.perfmodel.net.NetworkSpec;

/**
 * One training run.
 *
 * @param spec the network (must end in a loss layer)
 * @param height sample height
 * @param width sample width
 * @param batch global mini-batch (samples per step over all ranks)
 * @param grid n,h,w ranks
 * @param steps optimizer steps
 * @param seed data and initialisation seed
 * @param threadsPerRank kernel threads per rank
 * @param optimizer {@code sgd} (momentum 0.9) or {@code adam}
 * @param lr learning rate
 * @param sweeps Jacobi sweeps per generated sample
 * @param layerGrids per-layer grids n,h,w by layer name (e.g. the planner's choice); others use {@code grid}
 * @param overlap whether spatially split convolutions overlap their halo exchange with the interior (the
 *     default); off exchanges first and computes each pass in one piece
 * @param gradientBucketBytes 0: the gradients are allreduced after backward in one piece; else they are summed
 *     during backward in buckets of at least this many bytes ({@code Network#overlapGradients})
 */
public record TrainConfig(NetworkSpec spec, int height, int width, int batch, int[] grid, int steps, long seed,
        int threadsPerRank, String optimizer, double lr, int sweeps, java.util.Map<String, int[]> layerGrids,
        boolean overlap, long gradientBucketBytes) {
    /** Validates the values. */
    public TrainConfig {
        if (gradientBucketBytes < 0) {
            throw new IllegalArgumentException("gradient bucket size must be >= 0, got " + gradientBucketBytes);
        }
        if (height < 1 || width < 1 || batch < 1 || steps < 1 || threadsPerRank < 1 || !(lr > 0) || sweeps < 0) {
            throw new IllegalArgumentException("sample size, batch, steps, threads and learning rate must be positive");
        }
        if (grid.length != 3 || grid[0] < 1 || grid[1] < 1 || grid[2] < 1) {
            throw new IllegalArgumentException("grid must be n,h,w with positive entries");
        }
        if (!optimizer.equals("sgd") && !optimizer.equals("adam")) {
            throw new IllegalArgumentException("optimizer must be sgd or adam, got '" + optimizer + "'");
        }
        grid = grid.clone();
        layerGrids = java.util.Map.copyOf(layerGrids);
    }

    /** Gradients allreduced after backward. */
    public TrainConfig(NetworkSpec spec, int height, int width, int batch, int[] grid, int steps, long seed,
            int threadsPerRank, String optimizer, double lr, int sweeps, java.util.Map<String, int[]> layerGrids,
            boolean overlap) {
        this(spec, height, width, batch, grid, steps, seed, threadsPerRank, optimizer, lr, sweeps, layerGrids, overlap,
                0);
    }

    /** Per-layer grids, halo exchange overlapped. */
    public TrainConfig(NetworkSpec spec, int height, int width, int batch, int[] grid, int steps, long seed,
            int threadsPerRank, String optimizer, double lr, int sweeps, java.util.Map<String, int[]> layerGrids) {
        this(spec, height, width, batch, grid, steps, seed, threadsPerRank, optimizer, lr, sweeps, layerGrids, true);
    }

    /** One grid for every layer. */
    public TrainConfig(NetworkSpec spec, int height, int width, int batch, int[] grid, int steps, long seed,
            int threadsPerRank, String optimizer, double lr, int sweeps) {
        this(spec, height, width, batch, grid, steps, seed, threadsPerRank, optimizer, lr, sweeps,
                java.util.Map.of());
    }

    public int ranks() {
        return grid[0] * grid[1] * grid[2];
    }
}
