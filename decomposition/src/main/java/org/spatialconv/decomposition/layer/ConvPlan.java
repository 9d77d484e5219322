package org.spatialconv.decomposition.layer;

import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Window;
import org.spatialconv.decomposition.exchange.RegionExchange;
import org.spatialconv.decomposition.grid.ConvHalo;
import org.spatialconv.decomposition.grid.Distribution;
import org.spatialconv.decomposition.grid.ProcessGrid;
import org.spatialconv.decomposition.grid.Region;

/**
 * The static plan of a 2-D convolution on a process grid {@code n,1,h,w}, identical on every rank: input and
 * output distributions, each rank's needed input box (owned outputs' windows, clipped), the local block it
 * allocates (owned input ∪ needed input), its local geometry, and the halo-exchange and gradient-push plans.
 * Pure: built and validated without any communicator.
 */
public final class ConvPlan {
    private final ProcessGrid grid;
    private final ConvGeometry geometry;
    private final Shape x;
    private final Shape w;
    private final Shape y;
    private final Distribution xDist;
    private final Distribution yDist;
    private final Region[] need;
    private final RegionExchange halo;
    private final RegionExchange push;

    /**
     * Plans the convolution of input {@code x} with weights {@code w} under {@code g} on {@code grid}.
     *
     * @throws IllegalArgumentException with a one-line message if shapes do not match the geometry, the grid
     *                                  splits channels, or a dimension (input or output) has fewer elements
     *                                  than grid parts
     */
    public ConvPlan(ProcessGrid grid, ConvGeometry g, Shape x, Shape w) {
        if (g.spatialRank() != 2 || x.rank() != 4) {
            throw new IllegalArgumentException("distributed convolution is 2-D (N,C,H,W) only, got input " + x);
        }
        if (grid.rank() != 4) {
            throw new IllegalArgumentException("grid must be n,c,h,w (or n,h,w), got " + grid);
        }
        if (grid.parts(1) != 1) {
            throw new IllegalArgumentException("grid " + grid + " splits channels; channel splits are not supported");
        }
        this.y = g.outputShape(x, w);
        this.grid = grid;
        this.geometry = g;
        this.x = x;
        this.w = w;
        this.xDist = new Distribution(grid, x.dims());
        for (int d = 2; d < 4; d++) {
            if (y.dim(d) < grid.parts(d)) {
                throw new IllegalArgumentException("grid " + grid + " splits output dimension " + d + " of " + y
                        + " into " + grid.parts(d) + " parts but it has only " + y.dim(d) + " elements");
            }
        }
        this.yDist = new Distribution(grid, y.dims());
        this.need = new Region[grid.size()];
        for (int r = 0; r < need.length; r++) {
            need[r] = ConvHalo.need(g, x, yDist.own(r));
        }
        Region[] own = xDist.owns();
        this.halo = new RegionExchange(own, need);
        this.push = new RegionExchange(need, own);
    }

    /** The process grid. */
    public ProcessGrid grid() {
        return grid;
    }

    /** The global geometry. */
    public ConvGeometry geometry() {
        return geometry;
    }

    /** Global input shape. */
    public Shape inputShape() {
        return x;
    }

    /** Weight shape. */
    public Shape weightShape() {
        return w;
    }

    /** Global output shape. */
    public Shape outputShape() {
        return y;
    }

    /** How the input is split. */
    public Distribution inputDistribution() {
        return xDist;
    }

    /** How the output is split. */
    public Distribution outputDistribution() {
        return yDist;
    }

    /** Input box owned by {@code rank}. */
    public Region ownInput(int rank) {
        return xDist.own(rank);
    }

    /** Output box owned by {@code rank}. */
    public Region ownOutput(int rank) {
        return yDist.own(rank);
    }

    /** Input box {@code rank}'s outputs read (clipped; empty if they read only padding). */
    public Region needInput(int rank) {
        return need[rank];
    }

    /** The box of {@code rank}'s local input block: owned input plus halo margins. */
    public Region blockBox(int rank) {
        return need[rank].isEmpty() ? ownInput(rank) : ownInput(rank).hull(need[rank]);
    }

    /** Geometry of {@code rank}'s local problem on its needed input (leftover global padding per side). */
    public ConvGeometry localGeometry(int rank) {
        return ConvHalo.localGeometry(geometry, x, ownOutput(rank));
    }

    /**
     * {@code rank}'s interior: the owned outputs whose clipped input window lies in the owned input, in local output
     * coordinates. They can be computed while the halo is in flight; {@link Strips#around} gives the rest.
     */
    public Window interior(int rank) {
        Region own = ownInput(rank);
        Region out = ownOutput(rank);
        int[] lo = new int[2];
        int[] hi = new int[2];
        for (int s = 0; s < 2; s++) {
            int d = 2 + s;
            int[] in = ConvHalo.interior(geometry, s, out.lo(d), out.hi(d), own.lo(d), own.hi(d), x.dim(d));
            lo[s] = in[0] - out.lo(d);
            hi[s] = in[1] - out.lo(d);
        }
        return new Window(lo, hi);
    }

    /** The spatial window of global box {@code r} in the local coordinates of {@code rank}'s input block. */
    public Window blockWindow(int rank, Region r) {
        Region b = blockBox(rank);
        return Window.of2d(r.lo(2) - b.lo(2), r.hi(2) - b.lo(2), r.lo(3) - b.lo(3), r.hi(3) - b.lo(3));
    }

    /** Halo exchange: owned input to needed input. */
    public RegionExchange haloExchange() {
        return halo;
    }

    /** Gradient push: needed input back to owned input, to be used with accumulation. */
    public RegionExchange gradientPush() {
        return push;
    }
}
