/**
 * Local (single-rank) layer kernels for training: transposed convolution, batch normalization, activations,
 * pooling, upsampling, residual add and channel concatenation, global average pooling, fully connected layers,
 * losses and optimizers. Kernels that the decomposition runs on partitions take a {@link
 * org.spatialconv.conv.layers.Frame} saying where the local tensor sits in the global one, and reductions are
 * exposed as partial sums so a distributed caller can allreduce them before finishing the computation.
 */
package org.spatialconv.conv.layers;
