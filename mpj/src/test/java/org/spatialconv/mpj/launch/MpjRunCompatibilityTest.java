package org.spatialconv.mpj.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spatialconv.mpj.ContractTask;

/**
 * The same rank program runs under MPJ Express's own starter ({@code mpjrun}) with its multicore device (ranks as
 * threads of one JVM), from an MPJ_HOME assembled by {@link MpjInstall#assembleHome}.
 */
class MpjRunCompatibilityTest {
    @Test
    void contractTaskRunsUnderMpjrunMulticore(@TempDir Path dir) throws Exception {
        Path home = MpjInstall.detect().assembleHome(dir.resolve("mpj-home"));
        Path result = dir.resolve("result.txt");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", home.resolve("lib/starter.jar").toString(), "-np", "2", "-dev", "multicore",
                "-cp", System.getProperty("java.class.path"), RankMain.class.getName(),
                ContractTask.class.getName(), result.toString(), "7");
        pb.environment().put("MPJ_HOME", home.toString());
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("mpjrun.log").toFile());
        Process p = pb.start();
        try {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "mpjrun did not finish");
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String log = Files.readString(dir.resolve("mpjrun.log"));
        assertEquals(0, p.exitValue(), log);
        assertTrue(Files.exists(result), "no result; mpjrun log:\n" + log);
        long checks = Long.parseLong(Files.readString(result).trim().substring("checks=".length()));
        assertTrue(checks > 2 * 200_000, "too few checks: " + checks);
    }
}
