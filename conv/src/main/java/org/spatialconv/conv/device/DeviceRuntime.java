package org.spatialconv.conv.device;

import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Window;

/**
 * One rank's handle on a device: exactly what a distributed convolution needs. Everything taking a
 * {@link DeviceStream} is queued on it and returns without waiting, unless documented as blocking. Arrays,
 * staging buffers, streams and events are {@link AutoCloseable} and counted per runtime: {@link #close()} fails,
 * naming them, when some are still open. Several runtimes (ranks) may share one physical device; a runtime is used
 * by one thread at a time.
 *
 * <p>Kernel semantics are those of the {@link org.spatialconv.conv.Backend} SPI: forward writes {@code y} inside
 * its window only (plus bias); backward-data overwrites {@code dx} inside its window with the full sum;
 * backward-filter and the bias gradient sum over the {@code dy} window and overwrite unless {@code accumulate}.
 * Pack and unpack move the 4-D box {@code [lo, lo+ext)} of a tensor to and from a contiguous, row-major buffer.
 */
public interface DeviceRuntime extends AutoCloseable {
    /** Human-readable device, e.g. {@code cuda:0 NVIDIA H100} or {@code emulated:0}. */
    String description();

    /** A zero-filled array of {@code floats} elements. */
    DeviceFloats allocate(long floats);

    /** Page-locked host memory of {@code floats} elements for staging. */
    StagingBuffer allocateStaging(long floats);

    /** A new stream. */
    DeviceStream createStream();

    /** A new event (not yet recorded). */
    DeviceEvent createEvent();

    /** Copies host floats to the device, after the work queued on {@code s}; blocks until the copy is done. */
    void upload(float[] src, int srcOffset, DeviceFloats dst, long dstOffset, int count, DeviceStream s);

    /** Copies device floats to the host after the work queued on {@code s}; blocks until the copy is done. */
    void download(DeviceFloats src, long srcOffset, float[] dst, int dstOffset, int count, DeviceStream s);

    /**
     * Device-to-device copy of {@code count} floats. Either array may belong to another runtime of the same
     * implementation (another rank on this device, or a peer device).
     */
    void copy(DeviceFloats src, long srcOffset, DeviceFloats dst, long dstOffset, long count, DeviceStream s);

    /** Device to staging buffer. */
    void copyToStaging(DeviceFloats src, long srcOffset, StagingBuffer dst, long dstOffset, long count, DeviceStream s);

    /** Staging buffer to device. */
    void copyFromStaging(StagingBuffer src, long srcOffset, DeviceFloats dst, long dstOffset, long count,
            DeviceStream s);

    /** Sets every element of {@code a} to +0.0. */
    void zero(DeviceFloats a, DeviceStream s);

    /** {@code y[n][k][..] += bias[k]} over the whole tensor. */
    void biasAdd(DeviceTensor y, DeviceFloats bias, DeviceStream s);

    /** Copies box {@code [lo, lo+ext)} of {@code src} into {@code buf}, row-major. */
    void pack(DeviceTensor src, int[] lo, int[] ext, DeviceFloats buf, DeviceStream s);

    /** Writes (or, with {@code accumulate}, adds) {@code buf} into box {@code [lo, lo+ext)} of {@code dst}. */
    void unpack(DeviceFloats buf, DeviceTensor dst, int[] lo, int[] ext, boolean accumulate, DeviceStream s);

    /** {@code y[window] = conv(x, w) (+ bias when non-null)}. */
    void convForward(DeviceTensor x, DeviceTensor w, DeviceFloats bias, ConvGeometry g, DeviceTensor y,
            Window yWindow, DeviceStream s);

    /** {@code dx[window] =} the full backward-data sum. */
    void convBackwardData(DeviceTensor dy, DeviceTensor w, ConvGeometry g, DeviceTensor dx, Window dxWindow,
            DeviceStream s);

    /** {@code dw (+)=} the weight gradient of the {@code dy} elements inside the window. */
    void convBackwardFilter(DeviceTensor x, DeviceTensor dy, ConvGeometry g, DeviceTensor dw, Window dyWindow,
            boolean accumulate, DeviceStream s);

    /** {@code db[k] (+)=} sum of {@code dy} over N and the window. */
    void biasBackward(DeviceTensor dy, DeviceFloats db, Window dyWindow, boolean accumulate, DeviceStream s);

    /** Arrays, staging buffers, streams and events allocated here and not yet closed. */
    int openResources();

    /**
     * Releases the runtime's own resources.
     *
     * @throws IllegalStateException naming the resources still open (leaks)
     */
    @Override
    void close();
}
