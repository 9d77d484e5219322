/**
 * Distributed convolution on devices: each rank's blocks live in device memory of a
 * {@link org.spatialconv.conv.device.DeviceRuntime}, halos are packed and unpacked by device kernels on a
 * communication stream while the interior convolution runs on a compute stream, and a thin transport moves the
 * packed boxes: device-to-device copies between ranks of one JVM, or page-locked host staging over a
 * {@link org.spatialconv.decomposition.comm.Communicator} between processes.
 */
package org.spatialconv.decomposition.device;
