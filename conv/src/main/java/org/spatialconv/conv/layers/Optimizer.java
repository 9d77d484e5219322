package org.spatialconv.conv.layers;

import java.util.List;

/**
 * Updates parameters in place from their gradients. Implementations keep per-parameter state (momentum, moments)
 * keyed by the parameter's position in the list, so the same list must be passed to every step. Deterministic:
 * ranks holding identical parameters and gradients stay identical.
 */
public interface Optimizer {
    /** One update of every parameter. */
    void step(List<Parameter> params);
}
