package org.spatialconv.mpj.launch;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spatialconv.mpj.ContractTask;
import org.spatialconv.mpj.FaultTask;
import org.spatialconv.mpj.ProcessesForTests;

/**
 * Two "hosts" as Linux network namespaces joined by a bridge (10.77.x.0/24): a machines file places ranks on
 * both, ranks are started through {@code ip netns exec HOST sh -c}, and they talk over the veth links. Cutting
 * one host's link mid-run surfaces as a clean error naming a rank. Needs root and {@code ip netns}; runs only
 * with {@code SPATIALCONV_NETNS_TEST=1} because it changes the host's network configuration (and removes what it
 * added).
 */
class NetnsMultiHostTest {
    private static final String TAG = Long.toString(ProcessHandle.current().pid() % 10_000);
    private static final String NET = "10.77." + (ProcessHandle.current().pid() % 200 + 20) + ".";
    private static final String BRIDGE = "scbr" + TAG;
    private static final String[] HOSTS = {"scns" + TAG + "a", "scns" + TAG + "b"};
    private static final List<List<String>> CLEANUP = new ArrayList<>();

    @BeforeAll
    static void createHosts() throws Exception {
        assumeTrue("1".equals(System.getenv("SPATIALCONV_NETNS_TEST")), "set SPATIALCONV_NETNS_TEST=1 to run");
        sh("ip", "link", "add", BRIDGE, "type", "bridge");
        CLEANUP.add(List.of("ip", "link", "del", BRIDGE));
        sh("ip", "addr", "add", NET + "1/24", "dev", BRIDGE);
        sh("ip", "link", "set", BRIDGE, "up");
        for (int i = 0; i < HOSTS.length; i++) {
            String ns = HOSTS[i];
            sh("ip", "netns", "add", ns);
            CLEANUP.add(List.of("ip", "netns", "del", ns));
            sh("ip", "link", "add", ns + "h", "type", "veth", "peer", "name", ns + "n");
            CLEANUP.add(List.of("ip", "link", "del", ns + "h"));
            sh("ip", "link", "set", ns + "h", "master", BRIDGE, "up");
            sh("ip", "link", "set", ns + "n", "netns", ns);
            sh("ip", "netns", "exec", ns, "ip", "addr", "add", NET + (i + 2) + "/24", "dev", ns + "n");
            sh("ip", "netns", "exec", ns, "ip", "link", "set", ns + "n", "up");
            sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
        }
    }

    @AfterAll
    static void removeHosts() {
        for (int i = CLEANUP.size() - 1; i >= 0; i--) {
            try {
                sh(CLEANUP.get(i).toArray(String[]::new));
            } catch (Exception e) {
                System.err.println("cleanup: " + e.getMessage());
            }
        }
    }

    private static LaunchConfig config(int ranks, Class<? extends RankTask> task, List<String> args) {
        Machines m = Machines.parse(List.of(HOSTS[0] + " slots=2", HOSTS[1] + " slots=2"), "netns");
        return LaunchConfig.local(ranks, task, args).withMachines(m)
                .withRemote(List.of("ip", "netns", "exec", "{host}", "sh", "-c"), NET + "1")
                .withTimeouts(Duration.ofSeconds(8), Duration.ofSeconds(6), Duration.ofSeconds(4));
    }

    @Test
    void ranksOnTwoHostsPassTheContract(@TempDir Path dir) throws Exception {
        Path result = dir.resolve("result.txt");
        MpjLauncher.run(config(4, ContractTask.class, List.of(result.toString(), "11")));
        long checks = Long.parseLong(Files.readString(result).trim().substring("checks=".length()));
        assertTrue(checks > 4 * 200_000, "checks " + checks);
    }

    @Test
    void cutLinkIsACleanError(@TempDir Path dir) throws Exception {
        LaunchConfig c = config(4, FaultTask.class, List.of("spin", "-1", dir.toString()));
        long t0;
        LaunchException e;
        List<Long> pids;
        try (Launch launch = MpjLauncher.start(c)) {
            pids = launch.pids();
            for (int r = 0; r < 4; r++) {
                while (!Files.exists(dir.resolve("rank-" + r + ".started"))) {
                    Thread.sleep(50);
                }
            }
            t0 = System.nanoTime();
            sh("ip", "link", "set", HOSTS[1] + "h", "down");
            e = assertThrows(LaunchException.class, launch::await);
        } finally {
            sh("ip", "link", "set", HOSTS[1] + "h", "up");
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        String msg = e.getMessage();
        assertTrue(msg.matches("rank [0-3] on " + "scns\\S+ failed: .*") && (msg.contains("stopped responding")
                || msg.contains("timed out")), msg);
        assertTrue(took.compareTo(Duration.ofSeconds(30)) < 0, "took " + took);
        ProcessesForTests.assertAllGone(pids);
    }

    private static void sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out.strip());
        }
    }
}
