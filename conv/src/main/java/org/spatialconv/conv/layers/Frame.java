package org.spatialconv.conv.layers;

import org.spatialconv.conv.Shape;

/**
 * Where a local 2-D tensor sits inside the global one: its first row and column in global coordinates and the
 * global height and width. Kernels index through a frame so the same code runs on a whole tensor (origin 0,
 * global = local) and on one rank's block plus halo.
 *
 * @param row0 global row of local row 0
 * @param col0 global column of local column 0
 * @param globalH global height
 * @param globalW global width
 */
public record Frame(int row0, int col0, int globalH, int globalW) {
    /** Validates the values. */
    public Frame {
        if (row0 < 0 || col0 < 0 || globalH < 1 || globalW < 1) {
            throw new IllegalArgumentException("bad frame origin " + row0 + "," + col0 + " in " + globalH + "x"
                    + globalW);
        }
    }

    /** The frame of a tensor that is the whole global tensor. */
    public static Frame whole(Shape s) {
        return new Frame(0, 0, s.h(), s.w());
    }
}
