/**
 * Distributed layers: a convolution whose samples and spatial extent are split over a process grid computes,
 * on every rank, its owned output block from its owned input plus a halo, and gives the same result as one
 * rank. Halos move through region exchange, overlapped with the interior computation.
 */
package org.spatialconv.decomposition.layer;
