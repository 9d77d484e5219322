/**
 * The device runtime a distributed layer drives on one rank: device arrays, streams and events, host, staging and
 * device-to-device copies, region pack/unpack and the convolution passes on windows. The CUDA backend implements it
 * ({@code CudaDeviceRuntime}); a host emulation in the test sources runs the same orchestration without a GPU.
 */
package org.spatialconv.conv.device;
