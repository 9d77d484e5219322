/**
 * The multithreaded CPU backend: convolution as bounded im2col tiles multiplied with SGEMM (native OpenBLAS through
 * {@code dev.ludovic.netlib:blas} when present, its Java implementation otherwise), or for wide 3x3 stride-1 layers
 * as Winograd F(2x2,3x3) tiles multiplied with SGEMM ({@link org.spatialconv.conv.cpu.CpuConfig.Algorithm}). Work is split into bands of
 * output rows per sample and group; each worker owns its scratch, so memory stays bounded for any layer size.
 */
package org.spatialconv.conv.cpu;
