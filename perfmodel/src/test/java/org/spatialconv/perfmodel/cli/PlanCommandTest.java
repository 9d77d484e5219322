package org.spatialconv.perfmodel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanCommandTest extends CliHarness {
    @Test
    void plansMeshnetAndWritesJsonAndPlots(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("plan.json");
        Path svg = dir.resolve("scaling.svg");
        assertEquals(0, run("plan", "--model", "meshnet", "--sample", "2048x2048", "--batch", "4", "--gpus", "16",
                "--json", json.toString(), "--plot", svg.toString()), err);
        assertTrue(out.contains("predicted iteration time:"), out);
        assertTrue(out.contains("sample-parallel baseline: does not fit"), out);
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertEquals(47, j.get("layers").size());
        JsonNode first = j.get("layers").get(0);
        for (String k : new String[] {"name", "grid", "predicted_ms", "memory_bytes"}) {
            assertTrue(first.has(k), k);
        }
        assertTrue(first.get("grid").asText().matches("\\d+,\\d+,\\d+"));
        assertTrue(j.get("predicted_ms").asDouble() > 0);
        assertTrue(j.get("baseline_ms").isNull());
        assertTrue(j.get("memory_bytes_per_rank").asLong() > 0);
        String s = Files.readString(svg);
        assertTrue(s.startsWith("<svg") && s.contains("<line"), "svg");

        Path png = dir.resolve("scaling.png");
        assertEquals(0, run("plan", "--model", "resnet50", "--sample", "224x224", "--batch", "32", "--gpus", "8",
                "--machine", "h100", "--plot", png.toString()), err);
        byte[] head = Files.readAllBytes(png);
        assertEquals((byte) 0x89, head[0]);
        assertEquals('P', head[1]);
        assertTrue(out.contains("planned speedup"), out);
    }

    @Test
    void explainsTheChoiceAgainstEverySingleGrid(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("plan.json");
        assertEquals(0, run("plan", "--model", "unet", "--sample", "1024x1024", "--batch", "2", "--gpus", "8",
                "--machine", "lassen", "--json", json.toString()), err);
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        JsonNode singles = j.get("single_grid_plans");
        assertEquals(10, singles.size()); // every n,h,w with n*h*w = 8
        double planned = j.get("predicted_ms").asDouble();
        double last = 0;
        boolean samples = false;
        for (JsonNode x : singles) { // fitting ones fastest first; none faster than the plan
            assertTrue(x.get("fits").asBoolean(), x.toString());
            assertTrue(x.get("predicted_ms").asDouble() >= last && x.get("predicted_ms").asDouble() >= planned - 1e-9,
                    x.toString());
            last = x.get("predicted_ms").asDouble();
            samples |= x.get("grid").asText().equals("8,1,1")
                    && Math.abs(x.get("predicted_ms").asDouble() - j.get("baseline_ms").asDouble()) < 1e-9;
        }
        assertTrue(samples, "the sample-parallel baseline is one of them: " + singles);
        String chosen = j.get("layers").get(0).get("grid").asText();
        assertTrue(out.contains("why " + chosen + ": the fastest of the 10 single-grid plans that fit"), out);
        assertTrue(out.contains("single-grid plans, fastest first:"), out);
        assertTrue(out.contains("sample-parallel (batch 2: 6 of 8 ranks idle)"), out);
    }

    @Test
    void badInputIsOneLineAndNoFiles(@TempDir Path dir) {
        Path json = dir.resolve("x.json");
        String[][] bad = {
            {"--model", "vgg", "--sample", "64x64", "--batch", "1", "--gpus", "2"},
            {"--model", "unet", "--sample", "64x64", "--batch", "1", "--gpus", "2", "--machine", "summit"},
            {"--model", "unet", "--sample", "16x16", "--batch", "1", "--gpus", "1024"},
            {"--model", "unet", "--sample", "64by64", "--batch", "1", "--gpus", "2"},
            {"--model", "unet", "--sample", "60x60", "--batch", "1", "--gpus", "2"},
            {"--model", "meshnet", "--sample", "2048x2048", "--batch", "64", "--gpus", "2", "--memory", "1"},
        };
        String[] expect = {"unknown model 'vgg'", "unknown machine 'summit'", "larger than the total extent",
            "--sample must be HxW", "layer '", "does not fit: needs"};
        for (int i = 0; i < bad.length; i++) {
            String[] args = new String[bad[i].length + 3];
            args[0] = "plan";
            System.arraycopy(bad[i], 0, args, 1, bad[i].length);
            args[args.length - 2] = "--json";
            args[args.length - 1] = json.toString();
            assertEquals(2, run(args), String.join(" ", args));
            assertEquals(1, err.strip().lines().count(), err);
            assertTrue(err.startsWith("spatialconv: error: ") && err.contains(expect[i]), err);
            assertFalse(Files.exists(json));
        }
    }
}
