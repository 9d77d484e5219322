/**
 * The spatialconv-native jar carries no Java code: it holds the CUDA C sources ({@code org/spatialconv/native/src})
 * and, when {@code nvcc} was on the PATH at build time, their compiled fatbin
 * ({@code org/spatialconv/native/spatialconv.fatbin}, sm_80 and sm_90 code plus compute_90 PTX), the kernel list and
 * the {@code ptxas -v} report. {@code build-info.properties} says whether the fatbin was built and why not.
 */
package org.spatialconv.nativekernels;
