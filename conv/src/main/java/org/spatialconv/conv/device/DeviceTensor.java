package org.spatialconv.conv.device;

import org.spatialconv.conv.Shape;

/**
 * A device array viewed as a tensor of {@code shape} (N,C,H,W, row-major from the array's start).
 *
 * @param floats the array; it holds at least {@code shape.size()} floats
 * @param shape  the tensor's shape
 */
public record DeviceTensor(DeviceFloats floats, Shape shape) {
    /** Validates that the array is large enough. */
    public DeviceTensor {
        if (floats.floats() < shape.size()) {
            throw new IllegalArgumentException("device array of " + floats.floats() + " floats cannot hold a "
                    + shape + " tensor (" + shape.size() + " floats)");
        }
    }
}
