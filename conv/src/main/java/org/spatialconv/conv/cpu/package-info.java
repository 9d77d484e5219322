/**
 * The multithreaded CPU backend: convolution as bounded im2col tiles multiplied with SGEMM (native OpenBLAS through
 * {@code dev.ludovic.netlib:blas} when present, its Java implementation otherwise). Work is split into bands of
 * output rows per sample and group; each worker owns its scratch, so memory stays bounded for any layer size.
 */
package org.spatialconv.conv.cpu;
