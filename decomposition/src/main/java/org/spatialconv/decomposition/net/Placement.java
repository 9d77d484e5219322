package org.spatialconv.decomposition.net;

import java.util.Arrays;
import org.spatialconv.conv.Shape;

/**
 * How a global N,C,H,W tensor lies on the ranks: split over a grid of {@code n x h x w} ranks (channels are never
 * split) with blocks as even as possible (the first {@code extent % parts} blocks are one larger), or replicated
 * (every rank holds the whole tensor; used for the small tensors after global pooling).
 */
public final class Placement {
    private final int[] grid;
    private final Shape global;
    private final boolean replicated;

    private Placement(int[] grid, Shape global, boolean replicated) {
        this.grid = grid;
        this.global = global;
        this.replicated = replicated;
    }

    /**
     * Splits {@code global} over the grid {@code n, h, w}.
     *
     * @throws IllegalArgumentException if a dimension has fewer elements than parts
     */
    public static Placement split(int[] grid, Shape global) {
        if (grid.length != 3 || global.rank() != 4) {
            throw new IllegalArgumentException("placement needs a grid n,h,w and an N,C,H,W shape, got "
                    + Arrays.toString(grid) + " and " + global);
        }
        int[] ext = {global.n(), global.h(), global.w()};
        String[] names = {"samples", "rows", "columns"};
        for (int d = 0; d < 3; d++) {
            if (grid[d] < 1) {
                throw new IllegalArgumentException("grid entries must be >= 1, got " + Arrays.toString(grid));
            }
            if (grid[d] > ext[d]) {
                throw new IllegalArgumentException("grid " + gridString(grid) + " splits " + ext[d] + " " + names[d]
                        + " of " + global + " into " + grid[d] + " parts");
            }
        }
        return new Placement(grid.clone(), global, false);
    }

    /** Every one of {@code ranks} ranks holds all of {@code global}. */
    public static Placement replicated(int ranks, Shape global) {
        return new Placement(new int[] {ranks, 1, 1}, global, true);
    }

    /**
     * Sample-parallel placement over all {@code ranks}: grid {@code ranks,1,1}, each rank a block of whole samples
     * (used by the fully connected layer and what follows it). Blocks may not be empty ({@code Shape} has no zero
     * extents), so with fewer samples than ranks every rank holds all of {@code global} instead (replicated).
     */
    public static Placement samples(int ranks, Shape global) {
        if (global.n() < ranks) {
            return replicated(ranks, global);
        }
        return split(new int[] {ranks, 1, 1}, global);
    }

    /** The grid as text {@code n,h,w}. */
    public static String gridString(int[] grid) {
        return grid[0] + "," + grid[1] + "," + grid[2];
    }

    /** True if split over samples only and without spatial extent (it cannot be split over rows or columns). */
    public boolean isFlatSamples() {
        return !replicated && grid[1] == 1 && grid[2] == 1 && global.h() == 1 && global.w() == 1;
    }

    public boolean isReplicated() {
        return replicated;
    }

    public Shape global() {
        return global;
    }

    /** Grid n,h,w (a copy). */
    public int[] grid() {
        return grid.clone();
    }

    public int ranks() {
        return grid[0] * grid[1] * grid[2];
    }

    /** Start of block {@code i} of {@code parts} over {@code extent}. */
    public static int blockStart(int extent, int parts, int i) {
        return i * (extent / parts) + Math.min(i, extent % parts);
    }

    /** The box {@code rank} owns. */
    public Box own(int rank) {
        if (replicated) {
            return Box.whole(global);
        }
        int iw = rank % grid[2];
        int ih = (rank / grid[2]) % grid[1];
        int in = rank / (grid[2] * grid[1]);
        return new Box(blockStart(global.n(), grid[0], in), blockStart(global.n(), grid[0], in + 1),
                blockStart(global.h(), grid[1], ih), blockStart(global.h(), grid[1], ih + 1),
                blockStart(global.w(), grid[2], iw), blockStart(global.w(), grid[2], iw + 1));
    }

    /** The same grid over another global shape (a layer's output). */
    public Placement withShape(Shape s) {
        return replicated ? replicated(ranks(), s) : split(grid, s);
    }

    /** True if both place every element on the same rank in the same local position. */
    public boolean sameLayout(Placement o) {
        return replicated == o.replicated && Arrays.equals(grid, o.grid) && global.equals(o.global);
    }

    @Override
    public String toString() {
        return (replicated ? "replicated " : "grid " + gridString(grid) + " ") + global;
    }
}
