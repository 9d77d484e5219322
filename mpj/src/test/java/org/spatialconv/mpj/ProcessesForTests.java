package org.spatialconv.mpj;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Optional;

/** Orphan checks with {@link ProcessHandle}. */
public final class ProcessesForTests {
    private ProcessesForTests() {
    }

    /** Fails when any of {@code pids} (or a JVM child of this test process) is still alive after 5 s. */
    public static void assertAllGone(List<Long> pids) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            List<Long> alive = pids.stream().filter(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive)
                    .orElse(false)).toList();
            long children = ProcessHandle.current().children().filter(ProcessHandle::isAlive).count();
            if (alive.isEmpty() && children == 0) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail("orphaned processes: " + alive + ", live children: " + children);
            }
            Thread.sleep(50);
        }
    }

    static Optional<ProcessHandle> handle(long pid) {
        return ProcessHandle.of(pid);
    }
}
