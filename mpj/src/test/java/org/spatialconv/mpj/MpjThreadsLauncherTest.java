package org.spatialconv.mpj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.spatialconv.decomposition.comm.RankFailedException;
import org.spatialconv.mpj.launch.MpjThreadsLauncher;

/** Resource hygiene of MPJ ranks as threads: leak detection on close, and no MPJ threads left behind. */
class MpjThreadsLauncherTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private final MpjThreadsLauncher launcher = new MpjThreadsLauncher();

    @Test
    void closingTheWorldWithAnOpenSplitIsALeak() {
        RankFailedException e = assertThrows(RankFailedException.class, () -> launcher.run(2, TIMEOUT, comm -> {
            comm.split(0, comm.rank()); // never closed
            return null;
        }));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("were not closed"), e.getCause().getMessage());
    }

    @Test
    void mpjThreadsEndAfterSuccessAndFailure() throws InterruptedException {
        int before = Thread.activeCount();
        List<Integer> ranks = launcher.run(3, TIMEOUT, comm -> {
            comm.barrier();
            return comm.rank();
        });
        assertEquals(List.of(0, 1, 2), ranks);
        assertThrows(RankFailedException.class, () -> launcher.run(3, TIMEOUT, comm -> {
            if (comm.rank() == 1) {
                throw new IllegalStateException("injected");
            }
            comm.barrier();
            return null;
        }));
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (Thread.activeCount() > before && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(Thread.activeCount() <= before, "threads before " + before + ", after " + Thread.activeCount());
    }
}
