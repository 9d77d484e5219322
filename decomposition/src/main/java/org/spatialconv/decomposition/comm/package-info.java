/**
 * The communicator SPI every distributed layer talks through: non-blocking point-to-point transfers of float
 * ranges, a deterministic allreduce, split, and barrier. Transports (in-JVM ranks, MPJ Express) implement it;
 * layers never know which one they run on.
 */
package org.spatialconv.decomposition.comm;
