package org.spatialconv.conv.device;

/**
 * Page-locked host memory for staging device data through the host (halos between processes). Host reads and
 * writes are not ordered with device work: synchronise on an event recorded after the copy first.
 */
public interface StagingBuffer extends AutoCloseable {
    /** Capacity in floats. */
    long floats();

    /** Copies {@code count} floats from {@code src[srcOffset..]} into this buffer at {@code offset}. */
    void write(long offset, float[] src, int srcOffset, int count);

    /** Copies {@code count} floats of this buffer from {@code offset} into {@code dst[dstOffset..]}. */
    void read(long offset, float[] dst, int dstOffset, int count);

    /** Frees the memory. */
    @Override
    void close();
}
