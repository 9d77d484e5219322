/**
 * Distributed layers and networks: every layer runs on the block of each tensor its rank owns under a
 * {@link org.spatialconv.decomposition.net.Placement} (a {@code Distribution} over grid n,1,h,w, or replicated).
 * Convolutions run the {@code layer} package's {@code DistributedConv}; halos and shuffles are
 * {@code RegionExchange} plans over the group's communicator, so forward, backward and the optimizer step give the
 * single-rank result on any grid. {@link org.spatialconv.decomposition.net.Network} is the embedding API.
 */
package org.spatialconv.decomposition.net;
