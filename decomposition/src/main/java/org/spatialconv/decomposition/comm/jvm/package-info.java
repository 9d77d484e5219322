/**
 * The embedded transport: ranks are threads in one JVM and a message is one {@code System.arraycopy} from the
 * sender's array into the receiver's, with no serialisation. Collectives exchange array references and reduce
 * in a fixed rank order, so results are bit-identical on every rank and every run.
 */
package org.spatialconv.decomposition.comm.jvm;
