/**
 * File I/O for tensors: NumPy {@code .npy} files (float32, C order) and atomic file writes. Every file this
 * package writes appears under its final name only when complete, so a failed run never leaves a half-written
 * output behind.
 */
package org.spatialconv.conv.io;
