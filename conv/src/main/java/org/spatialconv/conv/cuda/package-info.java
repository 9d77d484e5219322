/**
 * The CUDA backend: JCuda's driver API drives the custom kernels that spatialconv-native compiles into a fatbin.
 * Contexts, streams, modules and device/pinned buffers are {@link java.lang.AutoCloseable} and leak-checked, every
 * {@code CUresult} is checked and named, and the provider reports itself unavailable (with the reason) when the
 * driver, a device or the fatbin is missing, so the CPU path never depends on CUDA.
 */
package org.spatialconv.conv.cuda;
