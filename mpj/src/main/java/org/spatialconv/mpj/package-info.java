/**
 * The {@link org.spatialconv.decomposition.comm.Communicator} over MPJ Express (ranks as separate processes and
 * hosts) and the launcher that starts and supervises rank processes.
 */
package org.spatialconv.mpj;
