/**
 * Starting and supervising MPJ Express ranks: {@link org.spatialconv.mpj.launch.MpjLauncher} runs one JVM per
 * rank (this host or others from a machines file) and fails the whole job, naming the rank and cause, when any
 * rank fails, dies or hangs; {@link org.spatialconv.mpj.launch.MpjThreadsLauncher} runs ranks as isolated threads
 * of one JVM over the same transport.
 */
package org.spatialconv.mpj.launch;
