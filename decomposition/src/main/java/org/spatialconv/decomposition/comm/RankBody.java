package org.spatialconv.decomposition.comm;

/**
 * The code one rank runs, given its communicator.
 *
 * @param <T> the rank's result
 */
@FunctionalInterface
public interface RankBody<T> {
    /** Runs this rank's part; any exception fails every rank. */
    T run(Communicator comm) throws Exception;
}
