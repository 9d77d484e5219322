package org.spatialconv.decomposition.net;

import java.util.Arrays;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.decomposition.exchange.Block;
import org.spatialconv.decomposition.exchange.Boxes;
import org.spatialconv.decomposition.exchange.ExchangeMode;
import org.spatialconv.decomposition.grid.Distribution;
import org.spatialconv.decomposition.grid.ProcessGrid;
import org.spatialconv.decomposition.grid.Region;

/**
 * How a global N,C,H,W tensor of a network lies on its ranks: a {@link Distribution} over a grid
 * {@code n,1,h,w} (channels are never split), or replicated (every rank holds the whole tensor; used for the
 * small tensors after global pooling). Owned boxes are {@link Region}s with the whole channel range.
 */
public final class Placement {
    /** The split, or null when replicated. */
    private final Distribution dist;
    private final Shape global;
    private final int ranks;

    private Placement(Distribution dist, Shape global, int ranks) {
        this.dist = dist;
        this.global = global;
        this.ranks = ranks;
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
        ProcessGrid g = ProcessGrid.nhw(grid[0], grid[1], grid[2]);
        return new Placement(new Distribution(g, global.dims()), global, g.size());
    }

    /** Every one of {@code ranks} ranks holds all of {@code global}. */
    public static Placement replicated(int ranks, Shape global) {
        return new Placement(null, global, ranks);
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
        return dist != null && dist.grid().parts(2) == 1 && dist.grid().parts(3) == 1 && global.h() == 1
                && global.w() == 1;
    }

    public boolean isReplicated() {
        return dist == null;
    }

    /** True if split and the grid cuts rows or columns (so layers exchange halos). */
    public boolean splitsSpace() {
        return dist != null && dist.grid().parts(2) * dist.grid().parts(3) > 1;
    }

    public Shape global() {
        return global;
    }

    /** Grid n,h,w (a copy); {@code ranks,1,1} when replicated. */
    public int[] grid() {
        return dist == null ? new int[] {ranks, 1, 1}
                : new int[] {dist.grid().parts(0), dist.grid().parts(2), dist.grid().parts(3)};
    }

    public int ranks() {
        return ranks;
    }

    /**
     * The distribution of a split placement.
     *
     * @throws IllegalStateException if replicated
     */
    public Distribution distribution() {
        if (dist == null) {
            throw new IllegalStateException("a replicated placement has no distribution");
        }
        return dist;
    }

    /** The box {@code rank} holds (all of the tensor when replicated). */
    public Region own(int rank) {
        return dist == null ? Region.of(global.dims()) : dist.own(rank);
    }

    /** The boxes every rank holds, indexed by rank. */
    public Region[] owns() {
        Region[] r = new Region[ranks];
        for (int i = 0; i < ranks; i++) {
            r[i] = own(i);
        }
        return r;
    }

    /** Shape of the block {@code rank} holds. */
    public Shape ownShape(int rank) {
        return Shape.of(own(rank).extents());
    }

    /**
     * Rank {@code rank}'s block of a whole tensor {@code t} laid out like {@link #global()} but for its channel
     * count (a class-index target has one channel): its own copy of the owned samples, rows and columns.
     *
     * @throws IllegalArgumentException if N, H or W of {@code t} differ from the global shape
     */
    public Tensor block(Tensor t, int rank) {
        Shape s = t.shape();
        if (s.rank() != 4 || s.n() != global.n() || s.h() != global.h() || s.w() != global.w()) {
            throw new IllegalArgumentException("tensor " + s + " does not match placement " + this);
        }
        Region box = own(rank).with(1, 0, s.c());
        Block out = Block.allocate(box);
        Boxes.copy(new Block(Region.of(s.dims()), t), out, box, ExchangeMode.COPY);
        return out.data();
    }

    /** The same grid over another global shape (a layer's output). */
    public Placement withShape(Shape s) {
        return dist == null ? replicated(ranks, s) : split(grid(), s);
    }

    @Override
    public String toString() {
        return (dist == null ? "replicated " : "grid " + gridString(grid()) + " ") + global;
    }
}
