package org.spatialconv.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Killing one rank process of {@code bench conv --launch mpj} mid-run makes the command fail with one line naming
 * that rank, every other rank exit, within the launcher's fail timeout, and leaves no process behind.
 */
class MpjCliFailureTest {
    /** From the kill until the command has returned and every rank is gone (detection is immediate). */
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final Duration STARTUP = Duration.ofSeconds(120);

    @Test
    void killedRankFailsTheCommand() throws Exception {
        CompletableFuture<Cli.Result> run = CompletableFuture.supplyAsync(() -> Cli.run("bench", "conv", "--batch",
                "1", "--channels", "4", "--size", "256x256", "--filters", "4", "--kernel", "3", "--padding", "1",
                "--grid", "1,1,3", "--threads", "1", "--iterations", "100000", "--launch", "mpj"));
        List<ProcessHandle> ranks = awaitRanks(3);
        ProcessHandle victim = ranks.get(1);
        // Let the ranks get into the passes before the kill.
        Thread.sleep(3_000);
        long t0 = System.nanoTime();
        victim.destroyForcibly();
        Cli.Result res = run.get(BOUND.toSeconds(), TimeUnit.SECONDS);
        for (ProcessHandle p : ranks) {
            p.onExit().get(5, TimeUnit.SECONDS);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertEquals(1, res.exitCode(), res.describe());
        assertTrue(res.err().contains("was killed by signal 9"), res.err());
        assertTrue(res.err().lines().filter(l -> l.startsWith("spatialconv: error:")).count() == 1, res.err());
        assertTrue(took.compareTo(BOUND) < 0, "took " + took);
        assertTrue(ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive), "orphans left");
    }

    private static List<ProcessHandle> awaitRanks(int n) throws InterruptedException {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (true) {
            List<ProcessHandle> ranks = ProcessHandle.current().children()
                    .filter(p -> p.info().commandLine().orElse("").contains("org.spatialconv.mpj.launch.RankMain"))
                    .toList();
            if (ranks.size() == n) {
                return ranks;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("ranks did not start: " + ranks);
            }
            Thread.sleep(100);
        }
    }
}
