/**
 * The float64 naive convolution: direct loops with no tiling and no cleverness. It is the oracle every backend's
 * contract test compares against, and it is slow on purpose.
 */
package org.spatialconv.conv.reference;
