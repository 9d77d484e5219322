/**
 * Measurements of the MPJ transport against in-JVM ranks (point-to-point latency and bandwidth). Speed is
 * measured here and in the {@code bench} verb, never in unit tests.
 */
package org.spatialconv.mpj.bench;
