/**
 * The cost and memory model: per layer and distribution, the compute time of each pass (calibrated table or
 * roofline), halo exchange overlapped with interior compute, batch-norm and gradient allreduces, shuffles between
 * distributions, and memory per rank. The halo geometry is derived here from the layer formulas directly.
 */
package org.spatialconv.perfmodel.cost;
