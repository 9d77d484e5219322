/**
 * Spatial and sample-spatial decomposition: process grids, distributions, region math, region exchange (halos and
 * shuffles) and distributed layers built on the {@link org.spatialconv.decomposition.comm.Communicator} SPI.
 */
package org.spatialconv.decomposition;
