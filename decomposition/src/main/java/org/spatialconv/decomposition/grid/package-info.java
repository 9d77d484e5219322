/**
 * Pure partition math: process grids over N,C,H,W, even block distributions of a global shape, boxes of global
 * indices and their intersections, and the halo a convolution needs for an owned output block. Nothing here
 * communicates, so every rule is unit-tested on its own.
 */
package org.spatialconv.decomposition.grid;
