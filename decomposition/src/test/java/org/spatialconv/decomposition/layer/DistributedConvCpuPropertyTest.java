package org.spatialconv.decomposition.layer;

import java.util.function.IntFunction;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.Backends;

/** The same property test with the CPU backend computing both the single-rank and the per-rank results. */
class DistributedConvCpuPropertyTest extends DistributedConvPropertyTest {
    @Override
    IntFunction<Backend> backends() {
        return r -> Backends.create("cpu", BackendOptions.threads(1));
    }
}
