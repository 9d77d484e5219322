package org.spatialconv.perfmodel.machine;

/**
 * One device (GPU or CPU socket acting as a rank).
 *
 * @param name              what it is, e.g. "V100-SXM2-16GB"
 * @param memoryBytes       memory capacity
 * @param reservedBytes     memory not available to tensors (runtime context, library handles)
 * @param memoryBandwidth   achievable memory bandwidth, bytes/s (elementwise layers, pack/unpack)
 * @param peakFlops         float32 peak, FLOP/s
 * @param convEfficiency    fraction of peak a large convolution achieves (roofline fallback)
 * @param kernelOverheadS   fixed cost per kernel call, seconds (launch, synchronisation)
 */
public record Device(String name, long memoryBytes, long reservedBytes, double memoryBandwidth, double peakFlops,
        double convEfficiency, double kernelOverheadS) {
    /** @throws IllegalArgumentException if a value is out of range */
    public Device {
        if (memoryBytes <= 0 || reservedBytes < 0 || reservedBytes >= memoryBytes || !(memoryBandwidth > 0)
                || !(peakFlops > 0) || !(convEfficiency > 0 && convEfficiency <= 1) || !(kernelOverheadS >= 0)) {
            throw new IllegalArgumentException("device '" + name + "': values out of range (memory " + memoryBytes
                    + ", reserved " + reservedBytes + ", bandwidth " + memoryBandwidth + ", peak " + peakFlops
                    + ", efficiency " + convEfficiency + ", overhead " + kernelOverheadS + ")");
        }
    }

    /** Bytes usable for tensors, weights and workspace. */
    public long usableBytes() {
        return memoryBytes - reservedBytes;
    }

    /** Achieved convolution rate used by the roofline fallback, FLOP/s. */
    public double convRate() {
        return peakFlops * convEfficiency;
    }
}
