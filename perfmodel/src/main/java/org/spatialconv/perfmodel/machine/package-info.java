/**
 * Machine profiles: what the cost model knows about a device (memory, bandwidth, achieved convolution rate,
 * calibrated convolution timings) and its links (α, β inside and between nodes). Built-in profiles
 * ({@code lassen}, {@code h100}, {@code cpu-local}) are JSON resources with the public source of every number.
 */
package org.spatialconv.perfmodel.machine;
