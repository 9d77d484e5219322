package org.spatialconv.mpj.launch;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spatialconv.mpj.FaultTask;
import org.spatialconv.mpj.ProcessesForTests;

/**
 * A failed, killed, stopped or hung rank fails the whole job within the configured timeout, with a message naming
 * the rank and the cause, and leaves no process behind.
 */
class LaunchFailureTest {
    private static final Duration COMM = Duration.ofSeconds(4);
    private static final Duration FAIL = Duration.ofSeconds(6);
    private static final Duration HEARTBEAT = Duration.ofSeconds(3);
    /** Longest a rank may take to start (JVMs on a busy, shared 2-core machine). */
    private static final Duration STARTUP = Duration.ofSeconds(90);
    /**
     * From the moment every rank runs until every process is gone: the slowest detection (a communicator timeout
     * or a silent heartbeat) plus the fail timeout, plus slack for a loaded machine.
     */
    private static final Duration BOUND = COMM.plus(FAIL).plus(Duration.ofSeconds(15));

    private static LaunchConfig config(int ranks, String mode, int faulty, Path dir) {
        return LaunchConfig.local(ranks, FaultTask.class, List.of(mode, Integer.toString(faulty), dir.toString()))
                .withTimeouts(COMM, FAIL, HEARTBEAT);
    }

    @Test
    void rankThatThrowsFailsEveryRank(@TempDir Path dir) throws Exception {
        String msg = runExpectingFailure(config(3, "throw", 1, dir), dir, null);
        assertTrue(msg.contains("rank 1 failed") && msg.contains(FaultTask.INJECTED), msg);
    }

    @Test
    void killedRankFailsEveryRank(@TempDir Path dir) throws Exception {
        String msg = runExpectingFailure(config(3, "spin", -1, dir), dir,
                launch -> launch.process(2).destroyForcibly());
        assertTrue(msg.contains("rank 2 failed") && msg.contains("killed by signal 9"), msg);
    }

    @Test
    void stoppedRankIsDetectedByHeartbeat(@TempDir Path dir) throws Exception {
        String msg = runExpectingFailure(config(2, "spin", -1, dir), dir, launch -> signal("STOP",
                launch.process(1).pid()));
        // The stopped rank is named either for its silence or because its peer timed out waiting for it.
        assertTrue(msg.contains("rank 1 failed: stopped responding")
                || msg.contains("timed out") && msg.contains("rank 1"), msg);
    }

    @Test
    void hungRankTimesOutItsPeers(@TempDir Path dir) throws Exception {
        String msg = runExpectingFailure(config(3, "hang", 2, dir), dir, null);
        assertTrue(msg.contains("timed out"), msg);
    }

    @Test
    void busyPortGivesClearError() throws IOException {
        try (ServerSocket busy = new ServerSocket(0)) {
            LaunchConfig c = config(2, "spin", -1, Path.of("/nonexistent")).withRendezvousPort(busy.getLocalPort());
            LaunchException e = assertThrows(LaunchException.class, () -> MpjLauncher.start(c).close());
            assertTrue(e.getMessage().contains("port " + busy.getLocalPort() + " is already in use"), e.getMessage());
        }
        assertTrue(ProcessHandle.current().children().noneMatch(ProcessHandle::isAlive));
    }

    @Test
    void ranksExitWhenTheLauncherIsKilled(@TempDir Path dir) throws Exception {
        // A launcher JVM of its own, killed with SIGKILL (no shutdown hook runs): its ranks notice the dropped
        // control connection and exit.
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), MpjRun.class.getName(), "--ranks", "2",
                FaultTask.class.getName(), "spin", "-1", dir.toString());
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("launcher.log").toFile());
        Process launcher = pb.start();
        try {
            awaitStarted(dir, 2);
            List<ProcessHandle> ranks = launcher.descendants().toList();
            assertTrue(ranks.size() >= 2, "rank processes: " + ranks);
            launcher.destroyForcibly().waitFor();
            ProcessesForTests.assertAllGone(ranks.stream().map(ProcessHandle::pid).toList());
        } finally {
            launcher.descendants().forEach(ProcessHandle::destroyForcibly);
            launcher.destroyForcibly();
        }
    }

    private interface Fault {
        void inject(Launch launch) throws Exception;
    }

    private static String runExpectingFailure(LaunchConfig c, Path dir, Fault fault) throws Exception {
        List<Long> pids;
        LaunchException e;
        long t0;
        try (Launch launch = MpjLauncher.start(c)) {
            pids = launch.pids();
            awaitStarted(dir, c.ranks());
            t0 = System.nanoTime();
            if (fault != null) {
                fault.inject(launch);
            }
            e = assertThrows(LaunchException.class, launch::await);
        }
        ProcessesForTests.assertAllGone(pids);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertTrue(took.compareTo(BOUND) < 0, "job took " + took + " to fail and clean up");
        return e.getMessage();
    }

    private static void awaitStarted(Path dir, int ranks) throws InterruptedException {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        for (int r = 0; r < ranks; r++) {
            while (!Files.exists(dir.resolve("rank-" + r + ".started"))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("rank " + r + " did not start");
                }
                Thread.sleep(50);
            }
        }
    }

    private static void signal(String sig, long pid) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start().waitFor();
    }
}
