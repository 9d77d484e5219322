/**
 * Region exchange, the one mechanism that moves distributed data: every rank provides a box and needs a box,
 * and sends {@code provides(r) ∩ needs(p)} to each peer {@code p}. Halo exchange, shuffles between
 * distributions and the accumulating push of halo gradients are all instances of it.
 */
package org.spatialconv.decomposition.exchange;
