package org.spatialconv.decomposition.comm;

import java.time.Duration;
import java.util.List;

/** Starts a group of ranks that run the same body, and collects their results. */
public interface RankLauncher {
    /**
     * Runs {@code body} on {@code ranks} ranks, each with a communicator whose waits give up after
     * {@code timeout}.
     *
     * @return the results indexed by rank
     * @throws RankFailedException naming the first rank that failed, with its exception as the cause
     */
    <T> List<T> run(int ranks, Duration timeout, RankBody<T> body);
}
