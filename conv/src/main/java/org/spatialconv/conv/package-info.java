/**
 * Local (single-rank) tensors and convolution: {@link org.spatialconv.conv.Shape}, {@link org.spatialconv.conv.Tensor},
 * {@link org.spatialconv.conv.ConvGeometry} and the {@link org.spatialconv.conv.Backend} SPI that CPU and CUDA
 * backends implement. Everything distributed is built on top of these in the decomposition module.
 */
package org.spatialconv.conv;
