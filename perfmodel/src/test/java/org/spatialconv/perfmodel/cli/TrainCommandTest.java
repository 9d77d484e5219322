package org.spatialconv.perfmodel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spatialconv.perfmodel.train.TrainResult;
import picocli.CommandLine;

/** {@code spatialconv train}: a small run with --json, and one clear error line for each bad input. */
class TrainCommandTest {
    private static final String PREFIX = "spatialconv: error: ";

    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cl = SpatialconvCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    @Test
    void smallRunWritesJson() throws Exception {
        Path json = dir.resolve("train.json");
        Path net = dir.resolve("tiny.json");
        Files.writeString(net, "{\"name\":\"tiny\",\"input_channels\":1,\"layers\":["
                + "{\"name\":\"c1\",\"type\":\"conv\",\"out_channels\":4,\"kernel\":3,\"padding\":1,\"bias\":false},"
                + "{\"name\":\"b1\",\"type\":\"batchnorm\"},{\"name\":\"r1\",\"type\":\"relu\"},"
                + "{\"name\":\"p1\",\"type\":\"maxpool\",\"kernel\":2,\"stride\":2},"
                + "{\"name\":\"u1\",\"type\":\"upsample\",\"mode\":\"bilinear\",\"scale\":2},"
                + "{\"name\":\"head\",\"type\":\"conv\",\"out_channels\":1,\"kernel\":1,\"bias\":true},"
                + "{\"name\":\"loss\",\"type\":\"mse_loss\"}]}");
        Run r = run("train", "--model", net.toString(), "--sample", "16x16", "--batch", "2", "--ranks", "2",
                "--grid", "1,2,1", "--steps", "3", "--json", json.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("step 3 loss"), r.out());
        assertTrue(r.out().contains(", overlap off"), r.out()); // the default for in-JVM ranks
        assertTrue(r.out().contains("samples/s"), r.out());
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertEquals(3, j.get("loss").size());
        assertTrue(j.get("samples_per_s").asDouble() > 0);
        assertTrue(j.get("peak_bytes_per_rank").asLong() > 0);
        // the throughput leaves out the default warm-up step: batch over the mean of steps 2 and 3
        double[] t = {j.get("step_seconds").get(0).asDouble(), j.get("step_seconds").get(1).asDouble(),
            j.get("step_seconds").get(2).asDouble()};
        assertEquals(2 / ((t[1] + t[2]) / 2), j.get("samples_per_s").asDouble(), 1e-9 * j.get("samples_per_s").asDouble());
        assertEquals(1, j.get("warmup_steps").asInt());
        assertTrue(r.out().contains("samples/s (steps 2..3)"), r.out());
    }

    @Test
    void warmupChoosesTheStepsOfTheThroughput() {
        assertEquals(2.0, TrainResult.samplesPerSecond(2, new double[] {9, 5, 1}, 2), 1e-12);
        assertEquals(2 / 3.0, TrainResult.samplesPerSecond(2, new double[] {9, 5, 1}, 1), 1e-12);
        assertEquals(2 / 5.0, TrainResult.samplesPerSecond(2, new double[] {9, 5, 1}, 0), 1e-12);
        for (String w : new String[] {"3", "-1"}) {
            Run r = run("train", "--model", "unet", "--sample", "32x32", "--batch", "2", "--ranks", "1", "--steps", "3",
                    "--warmup", w);
            assertEquals(2, r.code(), r.out() + r.err());
            assertEquals("spatialconv: error: --warmup must be >= 0 and less than --steps (3)", r.err().strip());
        }
    }

    @Test
    void strategyAutoTrainsWithThePlannersGrids() throws Exception {
        Path net = dir.resolve("small-unet.json");
        Files.writeString(net, org.spatialconv.perfmodel.net.NetworkJson.write(
                org.spatialconv.perfmodel.zoo.UNet.build(1, 1, 4, 2)));
        assertAutoMatchesOneRank(net, "32x32", "2", "2");
    }

    /** {@code train --strategy auto} on {@code ranks} ranks reaches the loss of one rank after 2 steps. */
    private static void assertAutoMatchesOneRank(Path net, String sample, String batch, String ranks) {
        Run auto = run("train", "--model", net.toString(), "--sample", sample, "--batch", batch, "--ranks", ranks,
                "--strategy", "auto", "--steps", "2", "--threads", "1");
        assertEquals(0, auto.code(), auto.out() + auto.err());
        assertTrue(auto.out().contains("strategy auto (planner"), auto.out());
        assertTrue(auto.out().matches("(?s).*\nwhy (a per-layer plan|\\d+,\\d+,\\d+): .*"), auto.out());
        Run one = run("train", "--model", net.toString(), "--sample", sample, "--batch", batch, "--ranks", "1",
                "--grid", "1,1,1", "--steps", "2", "--threads", "1");
        assertEquals(0, one.code(), one.out() + one.err());
        java.util.regex.Matcher a = java.util.regex.Pattern.compile("step 2 loss (\\S+)").matcher(auto.out());
        java.util.regex.Matcher b = java.util.regex.Pattern.compile("step 2 loss (\\S+)").matcher(one.out());
        assertTrue(a.find() && b.find());
        assertEquals(Double.parseDouble(b.group(1)), Double.parseDouble(a.group(1)),
                1e-4 * Math.abs(Double.parseDouble(b.group(1))));
    }

    /**
     * A classifier with fewer samples than ranks: the planner must give global pooling a grid that splits its
     * input and let the fully connected head run replicated, as the engine does (it used to plan idle ranks there,
     * which the engine cannot run).
     */
    @Test
    void strategyAutoPlansAClassifierWithFewerSamplesThanRanks() throws Exception {
        Path net = dir.resolve("classifier.json");
        Files.writeString(net, "{\"name\":\"classifier\",\"input_channels\":1,\"layers\":["
                + "{\"name\":\"c1\",\"type\":\"conv\",\"out_channels\":4,\"kernel\":3,\"padding\":1,\"bias\":false},"
                + "{\"name\":\"b1\",\"type\":\"batchnorm\"},{\"name\":\"r1\",\"type\":\"relu\"},"
                + "{\"name\":\"gap\",\"type\":\"global_avg_pool\"},"
                + "{\"name\":\"fc\",\"type\":\"fc\",\"out_features\":4},"
                + "{\"name\":\"loss\",\"type\":\"softmax_ce_loss\"}]}");
        assertAutoMatchesOneRank(net, "16x16", "2", "4");
    }

    @Test
    void machineOptionIsForStrategyAutoAndMustExist() {
        Run noAuto = run("train", "--model", "unet", "--sample", "32x32", "--batch", "1", "--ranks", "1", "--grid",
                "1,1,1", "--machine", "lassen");
        assertEquals(2, noAuto.code());
        assertEquals(PREFIX + "--machine is only used with --strategy auto", noAuto.err().trim());
        Run unknown = run("train", "--model", "unet", "--sample", "32x32", "--batch", "1", "--ranks", "1",
                "--strategy", "auto", "--machine", "no-such-machine");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().startsWith(PREFIX) && unknown.err().contains("no-such-machine"), unknown.err());
        assertEquals(1, unknown.err().trim().split("\n").length, unknown.err());
    }

    @Test
    void overlapOffTrainsTheSameLosses() throws Exception {
        Path net = dir.resolve("small-unet.json");
        Files.writeString(net, org.spatialconv.perfmodel.net.NetworkJson.write(
                org.spatialconv.perfmodel.zoo.UNet.build(1, 1, 4, 2)));
        double[][] losses = new double[2][];
        String[] modes = {"on", "off"};
        for (int m = 0; m < 2; m++) {
            Path json = dir.resolve("overlap-" + modes[m] + ".json");
            Run r = run("train", "--model", net.toString(), "--sample", "32x32", "--batch", "1", "--ranks", "4",
                    "--grid", "1,2,2", "--steps", "3", "--threads", "1", "--overlap", modes[m], "--json",
                    json.toString());
            assertEquals(0, r.code(), r.out() + r.err());
            assertTrue(r.out().contains("overlap " + modes[m]), r.out());
            JsonNode j = new ObjectMapper().readTree(json.toFile());
            losses[m] = new double[3];
            for (int s = 0; s < 3; s++) {
                losses[m][s] = j.get("loss").get(s).asDouble();
            }
        }
        for (int s = 0; s < 3; s++) {
            assertEquals(losses[0][s], losses[1][s], 1e-5 * Math.abs(losses[0][s]), "step " + (s + 1));
        }
    }

    @Test
    void badInputsGiveOneClearLine() throws Exception {
        Path unknown = dir.resolve("unknown.json");
        Files.writeString(unknown, "{\"name\":\"bad\",\"input_channels\":1,\"layers\":["
                + "{\"name\":\"c1\",\"type\":\"conv\",\"out_channels\":4,\"kernel\":3,\"padding\":1},"
                + "{\"name\":\"weird\",\"type\":\"frobnicate\"}]}");
        Path noLoss = dir.resolve("noloss.json");
        Files.writeString(noLoss, "{\"name\":\"noloss\",\"input_channels\":1,\"layers\":["
                + "{\"name\":\"c1\",\"type\":\"conv\",\"out_channels\":4,\"kernel\":3,\"padding\":1}]}");
        List<String[]> cases = List.of(
                new String[] {"--strategy must be 'auto'", "--model", "unet", "--sample", "32x32", "--batch", "1",
                    "--ranks", "1", "--strategy", "manual"},
                new String[] {"either --grid or --strategy auto", "--model", "unet", "--sample", "32x32", "--batch",
                    "1", "--ranks", "1", "--strategy", "auto", "--grid", "1,1,1"},
                new String[] {"--launch must be 'mpj'", "--model", "unet", "--sample", "32x32", "--batch", "1",
                    "--ranks", "1", "--grid", "1,1,1", "--launch", "slurm"},
                new String[] {"--overlap must be 'on' or 'off'", "--model", "unet", "--sample", "32x32", "--batch",
                    "1", "--ranks", "1", "--grid", "1,1,1", "--overlap", "maybe"},
                new String[] {"has 4 ranks but --ranks is 2", "--model", "unet", "--sample", "32x32", "--batch", "1",
                    "--ranks", "2", "--grid", "1,2,2"},
                new String[] {"give --grid n,h,w or --strategy auto", "--model", "unet", "--sample", "32x32", "--batch", "1",
                    "--ranks", "1"},
                new String[] {"unknown model 'nosuch'", "--model", "nosuch", "--sample", "32x32", "--batch", "1",
                    "--ranks", "1", "--grid", "1,1,1"},
                new String[] {"weird", "--model", unknown.toString(), "--sample", "32x32", "--batch", "1", "--ranks",
                    "1", "--grid", "1,1,1"},
                new String[] {"no loss layer", "--model", noLoss.toString(), "--sample", "32x32", "--batch", "1",
                    "--ranks", "1", "--grid", "1,1,1"},
                new String[] {"layer 'cat3'", "--model", "unet", "--sample", "40x40", "--batch", "1", "--ranks", "1",
                    "--grid", "1,1,1"},
                new String[] {"splits 1 samples", "--model", "unet", "--sample", "32x32", "--batch", "1", "--ranks",
                    "2", "--grid", "2,1,1"});
        int checked = 0;
        for (String[] c : cases) {
            String[] args = new String[c.length];
            args[0] = "train";
            System.arraycopy(c, 1, args, 1, c.length - 1);
            Run r = run(args);
            String where = String.join(" ", args) + "\n" + r.err();
            assertEquals(2, r.code(), where);
            String[] lines = r.err().strip().split("\\R");
            assertEquals(1, lines.length, where);
            assertTrue(lines[0].startsWith(PREFIX) && lines[0].contains(c[0]), where);
            checked++;
        }
        assertEquals(cases.size(), checked);
    }
}
