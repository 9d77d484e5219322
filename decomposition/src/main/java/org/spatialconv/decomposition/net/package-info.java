/**
 * Distributed layers and networks: every layer runs on the block of each tensor its rank owns under a
 * {@link org.spatialconv.decomposition.net.Placement} (grid n,1,h,w), fetching halos and pushing halo gradients
 * back through an {@link org.spatialconv.decomposition.net.Exchange}, so forward, backward and the optimizer step
 * give the single-rank result on any grid. {@link org.spatialconv.decomposition.net.Network} is the embedding API.
 */
package org.spatialconv.decomposition.net;
