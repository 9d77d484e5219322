/**
 * Network descriptions: a {@link org.spatialconv.perfmodel.net.NetworkSpec} is a DAG of named layers, each with a
 * {@link org.spatialconv.perfmodel.net.LayerSpec} (geometry only, no weights), shape inference from an input shape
 * and a JSON format users can write ({@link org.spatialconv.perfmodel.net.NetworkJson}). Both the planner and the
 * distributed training code read networks from here.
 */
package org.spatialconv.perfmodel.net;
