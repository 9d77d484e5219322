package org.spatialconv.mpj;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.spatialconv.decomposition.device.DeviceConvMpjTask;
import org.spatialconv.mpj.launch.Launch;
import org.spatialconv.mpj.launch.LaunchConfig;
import org.spatialconv.mpj.launch.MpjLauncher;

/**
 * The device-resident distributed convolution across MPJ Express processes (niodev on localhost), halos staged
 * through page-locked host buffers and the MPJ communicator, each process on an emulated GPU: forward and all
 * gradients equal the single-rank CPU results on every rank.
 */
class DeviceConvMpjTest {
    @ParameterizedTest
    @ValueSource(strings = {"1,2,2", "2,1,2"})
    void fourProcessesEqualTheSingleRankResult(String grid, @TempDir Path dir) throws Exception {
        fourProcesses(grid, dir, "emulated");
    }

    /** Launches 4 rank processes on {@code grid}, each on a device of the kind named ({@code emulated} or {@code cuda}). */
    static void fourProcesses(String grid, Path dir, String device) throws Exception {
        Path result = dir.resolve("result.txt");
        LaunchConfig c = LaunchConfig.local(4, DeviceConvMpjTask.class,
                List.of(result.toString(), "20261124", grid, device));
        List<Long> pids;
        try (Launch launch = MpjLauncher.start(c)) {
            pids = launch.pids();
            launch.await();
        }
        // 4 ranks x 2 problems x 5 tensors
        assertEquals("compared=40", Files.readString(result).trim());
        ProcessesForTests.assertAllGone(pids);
    }
}
