package org.spatialconv.decomposition.comm;

import java.time.Duration;

/**
 * A group of ranks that exchange float data. Contract for every implementation:
 * <ul>
 *   <li>Messages between one (source, destination, tag) triple arrive in the order they were sent.</li>
 *   <li>Every blocking call and every {@link Request#await()} gives up after {@link #timeout()} with a
 *       {@link CommunicationException}; no call may hang forever.</li>
 *   <li>When any rank fails (throws, dies, or calls {@link #abort}), every other rank's pending and future
 *       calls fail with a {@link CommunicationException} naming the failed rank and its cause.</li>
 *   <li>{@link #allreduceSum} is deterministic: the same inputs give bit-identical results on every rank and in
 *       every run, whatever the timing (a fixed reduction order).</li>
 * </ul>
 */
public interface Communicator extends AutoCloseable {
    /** This rank's index in {@code [0, size())}. */
    int rank();

    /** Number of ranks in this communicator. */
    int size();

    /** Starts sending {@code count} floats of {@code buf} from {@code offset} to {@code dest}. */
    Request isend(float[] buf, int offset, int count, int dest, int tag);

    /** Starts receiving exactly {@code count} floats from {@code source} into {@code buf} at {@code offset}. */
    Request irecv(float[] buf, int offset, int count, int source, int tag);

    /** In-place element-wise sum over all ranks of {@code buf[offset, offset+count)}; deterministic. */
    void allreduceSum(float[] buf, int offset, int count);

    /** Copies root's {@code buf[offset, offset+count)} to every rank. */
    void broadcast(float[] buf, int offset, int count, int root);

    /** Blocks until every rank has entered. */
    void barrier();

    /**
     * Splits into sub-communicators: ranks with the same {@code color} form one, ordered by {@code key} then by
     * rank. Collective: every rank must call it.
     */
    Communicator split(int color, int key);

    /** How long any wait may last before it fails. */
    Duration timeout();

    /** Marks this rank failed with {@code cause}, so every other rank's waits fail promptly with it. */
    void abort(Throwable cause);

    /** Blocking send. */
    default void send(float[] buf, int offset, int count, int dest, int tag) {
        isend(buf, offset, count, dest, tag).await();
    }

    /** Blocking receive. */
    default void recv(float[] buf, int offset, int count, int source, int tag) {
        irecv(buf, offset, count, source, tag).await();
    }

    /** Releases transport resources; a sub-communicator's close does not close its parent. */
    @Override
    void close();
}
