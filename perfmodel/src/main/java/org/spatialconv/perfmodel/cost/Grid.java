package org.spatialconv.perfmodel.cost;

import java.util.ArrayList;
import java.util.List;

/**
 * A process grid over samples × rows × columns ({@code n,1,h,w} in the design's N,C,H,W notation). Rank
 * {@code r} has coordinates {@code (r / (h·w), (r / w) % h, r % w)}: columns vary fastest, so row neighbours are
 * adjacent ranks and tend to share a node.
 */
public record Grid(int n, int h, int w) {
    /** @throws IllegalArgumentException if a factor is below 1 */
    public Grid {
        if (n < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException("grid factors must be >= 1, got " + n + "," + h + "," + w);
        }
    }

    /** Sample-parallel grid over {@code p} ranks. */
    public static Grid samples(int p) {
        return new Grid(p, 1, 1);
    }

    /** Number of ranks. */
    public int size() {
        return n * h * w;
    }

    /** Parts along dimension 0 = N, 1 = H, 2 = W. */
    public int parts(int dim) {
        return dim == 0 ? n : dim == 1 ? h : w;
    }

    /** Coordinate of rank r along dimension 0 = N, 1 = H, 2 = W. */
    public int coord(int rank, int dim) {
        return dim == 0 ? rank / (h * w) : dim == 1 ? (rank / w) % h : rank % w;
    }

    /** Every ordered factorization of {@code p} into n × h × w. */
    public static List<Grid> factorizations(int p) {
        if (p < 1) {
            throw new IllegalArgumentException("rank count must be >= 1, got " + p);
        }
        List<Grid> out = new ArrayList<>();
        for (int n = 1; n <= p; n++) {
            if (p % n != 0) {
                continue;
            }
            int rest = p / n;
            for (int h = 1; h <= rest; h++) {
                if (rest % h == 0) {
                    out.add(new Grid(n, h, rest / h));
                }
            }
        }
        return out;
    }

    /** Parses {@code "n,h,w"}. */
    public static Grid parse(String text) {
        String[] p = text.trim().split("\\s*,\\s*");
        try {
            if (p.length == 3) {
                return new Grid(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
            }
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw new IllegalArgumentException("grid must be n,h,w (positive integers), got '" + text + "'");
    }

    @Override
    public String toString() {
        return n + "," + h + "," + w;
    }
}
