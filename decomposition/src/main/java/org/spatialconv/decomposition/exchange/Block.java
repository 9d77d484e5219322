package org.spatialconv.decomposition.exchange;

import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.decomposition.grid.Region;

/**
 * A rank's local piece of a distributed tensor: a dense tensor holding global box {@code box} (for example the
 * owned block plus halo margins). Element {@code g} of the global tensor lives at local {@code g - box.lo}.
 *
 * @param box  the global indices held
 * @param data a tensor whose shape equals the box extents
 */
public record Block(Region box, Tensor data) {
    /** Validates that the tensor's shape matches the box. */
    public Block {
        int[] e = box.extents();
        if (data.shape().rank() != e.length) {
            throw new IllegalArgumentException("block tensor " + data.shape() + " does not match box " + box);
        }
        for (int d = 0; d < e.length; d++) {
            if (data.shape().dim(d) != e[d]) {
                throw new IllegalArgumentException("block tensor " + data.shape() + " does not match box " + box);
            }
        }
    }

    /** A zero-filled block over {@code box} (which must be non-empty). */
    public static Block allocate(Region box) {
        return new Block(box, Tensor.zeros(Shape.of(box.extents())));
    }

    /** Flat index of the global element at {@code coords}, which must lie in the box. */
    public int indexOf(int... coords) {
        int idx = 0;
        for (int d = 0; d < coords.length; d++) {
            idx = idx * box.extent(d) + coords[d] - box.lo(d);
        }
        return idx;
    }
}
