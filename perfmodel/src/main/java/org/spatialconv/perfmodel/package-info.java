/**
 * The performance model and strategy planner (machine profiles, calibration, cost and memory model, per-layer
 * strategy search) and the {@code spatialconv} command-line interface.
 */
package org.spatialconv.perfmodel;
