/** JMH benchmarks of every hot path: local convolution passes, halo exchange, shuffles, distributed layers. */
package org.spatialconv.jmh;
