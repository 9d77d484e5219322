package org.spatialconv.perfmodel.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spatialconv.perfmodel.cli.SpatialconvCli;
import org.spatialconv.perfmodel.net.NetworkJson;
import org.spatialconv.perfmodel.zoo.UNet;
import picocli.CommandLine;

/**
 * {@code train --launch mpj} (one MPJ Express process per rank, gradients summed in buckets during backward on a
 * second thread per rank) reproduces the in-JVM loss curve.
 */
class TrainMpjTest {
    private static final double TOL = 1e-5;
    private static final Pattern STEP = Pattern.compile("step \\d+ loss (\\S+)");

    @TempDir
    Path dir;

    private static List<Double> losses(String... args) {
        CommandLine cl = SpatialconvCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        assertEquals(0, code, out + "\n" + err);
        List<Double> l = new ArrayList<>();
        Matcher m = STEP.matcher(out.toString());
        while (m.find()) {
            l.add(Double.parseDouble(m.group(1)));
        }
        return l;
    }

    @Test
    void mpjProcessesMatchInJvmRanks() throws Exception {
        Path net = dir.resolve("unet-small.json");
        Files.writeString(net, NetworkJson.write(UNet.build(1, 1, 4, 2)));
        String[] common = {"train", "--model", net.toString(), "--sample", "32x32", "--batch", "2", "--steps", "3",
            "--threads", "1"};
        List<String> a = new ArrayList<>(List.of(common));
        a.addAll(List.of("--ranks", "1", "--grid", "1,1,1"));
        List<Double> want = losses(a.toArray(new String[0]));
        List<String> b = new ArrayList<>(List.of(common));
        // MPJ's default sums the gradients during backward; 1 KiB buckets give one per layer with parameters.
        b.addAll(List.of("--ranks", "2", "--grid", "1,2,1", "--launch", "mpj", "--bucket-mib", "0.001"));
        List<Double> got = losses(b.toArray(new String[0]));
        assertEquals(3, want.size());
        assertEquals(want.size(), got.size());
        for (int s = 0; s < want.size(); s++) {
            assertEquals(want.get(s), got.get(s), TOL * Math.abs(want.get(s)), "step " + s);
        }
        assertTrue(want.get(2) < want.get(0));
    }
}
