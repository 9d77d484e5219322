/** End-to-end tests across modules: CLI runs, multi-process MPJ runs, planner against measurement, training. */
package org.spatialconv.e2e;
