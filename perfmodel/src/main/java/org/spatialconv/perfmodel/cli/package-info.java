/**
 * The {@code spatialconv} command line: picocli commands, one class per verb, registered in {@link
 * org.spatialconv.perfmodel.cli.Verbs}. Layer execution goes through {@link
 * org.spatialconv.perfmodel.cli.LayerExecution}, the one seam where a process grid other than 1,1,1 is handed to
 * the decomposition engine.
 */
package org.spatialconv.perfmodel.cli;
