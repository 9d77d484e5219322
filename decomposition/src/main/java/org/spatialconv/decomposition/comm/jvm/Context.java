package org.spatialconv.decomposition.comm.jvm;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The shared state of one communicator (the world or a split of it): unmatched sends and receives per
 * (source, destination, tag), and the slots of collectives in flight. Guarded by the world lock.
 */
final class Context {
    final WorldState world;
    /** World rank of each local rank. */
    final int[] worldRanks;
    final Map<Key, ArrayDeque<Transfer>> sends = new HashMap<>();
    final Map<Key, ArrayDeque<Transfer>> recvs = new HashMap<>();
    final Map<Long, Slot> collectives = new HashMap<>();

    Context(WorldState world, int[] worldRanks) {
        this.world = world;
        this.worldRanks = worldRanks.clone();
    }

    int size() {
        return worldRanks.length;
    }

    /** A message channel; FIFO order holds per key. */
    record Key(int source, int dest, int tag) {
    }

    /** One collective call's contributions, one per rank. */
    static final class Slot {
        final Object[] values;
        int arrived;
        int departed;

        Slot(int size) {
            values = new Object[size];
        }
    }
}
