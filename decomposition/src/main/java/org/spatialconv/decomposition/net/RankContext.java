package org.spatialconv.decomposition.net;

import org.spatialconv.conv.Backend;
import org.spatialconv.conv.layers.Threads;

/**
 * What a rank's layers compute and communicate with: its exchange endpoint, its local convolution backend and
 * the threads its element-wise kernels may use.
 */
public record RankContext(Exchange exchange, Backend backend, Threads threads) {
    public int rank() {
        return exchange.rank();
    }
}
