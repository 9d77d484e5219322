package org.spatialconv.mpj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spatialconv.mpj.launch.Launch;
import org.spatialconv.mpj.launch.LaunchConfig;
import org.spatialconv.mpj.launch.MpjLauncher;

/** The communicator contract over real MPJ Express processes (niodev on localhost). */
class MpjCommunicatorProcessTest {
    private static final long SEED = 20261124L;

    @Test
    void contractHoldsAcrossThreeProcesses(@TempDir Path dir) throws Exception {
        Path result = dir.resolve("result.txt");
        LaunchConfig c = LaunchConfig.local(3, ContractTask.class, List.of(result.toString(), Long.toString(SEED)));
        List<Long> pids;
        try (Launch launch = MpjLauncher.start(c)) {
            pids = launch.pids();
            launch.await();
        } catch (RuntimeException e) {
            throw new AssertionError("seed " + SEED + ": " + e.getMessage(), e);
        }
        String text = Files.readString(result).trim();
        long checks = Long.parseLong(text.substring("checks=".length()));
        // Per rank: 2 peers x (30 + 1 + 1 small/large p2p range checks) + 4 isDone, allreduce 2 x len + 1 per
        // length, 3 broadcasts, 1 barrier, split 3 (+1 p2p where the group has two ranks), 1 bad argument.
        assertTrue(checks > 3 * 200_000, "too few checks: " + checks);
        ProcessesForTests.assertAllGone(pids);
    }

    @Test
    void unansweredReceiveTimesOut(@TempDir Path dir) {
        LaunchConfig c = LaunchConfig.local(2, FaultTask.class, List.of("timeout", "-1", dir.toString()))
                .withTimeouts(Duration.ofSeconds(2), LaunchConfig.DEFAULT_FAIL_TIMEOUT, Duration.ofSeconds(20));
        long t0 = System.nanoTime();
        MpjLauncher.run(c);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(Files.exists(dir.resolve("rank-1.started")));
        assertTrue(ms >= 2_000, "timeout fired after only " + ms + " ms");
        assertEquals(2, dir.toFile().list().length);
    }
}
