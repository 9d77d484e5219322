package org.spatialconv.decomposition.net;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.spatialconv.decomposition.comm.RankFailedException;
import org.spatialconv.decomposition.comm.jvm.InJvmWorld;

/**
 * Runs one body per rank on threads of this JVM, each with a {@link CommExchange} over the in-JVM communicator,
 * and returns the results in rank order. If any rank throws, every rank is released and the first failure is
 * rethrown here as the rank threw it.
 */
public final class LocalRanks {
    private LocalRanks() {
    }

    /** Runs {@code body} on {@code ranks} threads whose waits give up after {@code timeout}. */
    public static <T> List<T> run(int ranks, Duration timeout, Function<Exchange, T> body) {
        try {
            return InJvmWorld.launch(ranks, timeout, comm -> {
                try (CommExchange ex = new CommExchange(comm)) {
                    return body.apply(ex);
                }
            });
        } catch (RankFailedException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error er) {
                throw er;
            }
            throw e;
        }
    }
}
