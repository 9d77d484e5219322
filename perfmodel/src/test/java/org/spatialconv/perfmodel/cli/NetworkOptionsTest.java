package org.spatialconv.perfmodel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@code plan}, {@code validate} and {@code train} take the same {@code --model/--sample/--batch}. */
class NetworkOptionsTest extends CliHarness {
    private static final String[][] VERBS = {
        {"plan", "--gpus", "2"},
        {"validate", "--ranks", "2"},
        {"train", "--ranks", "2", "--grid", "1,1,2"},
    };

    private void expectError(String sample, String batch, String model, String line) {
        for (String[] verb : VERBS) {
            String[] args = new String[verb.length + 6];
            System.arraycopy(verb, 0, args, 0, verb.length);
            System.arraycopy(new String[] {"--model", model, "--sample", sample, "--batch", batch}, 0, args,
                    verb.length, 6);
            int code = run(args);
            assertEquals(2, code, verb[0] + " " + sample + ": " + out + err);
            assertEquals("spatialconv: error: " + line + System.lineSeparator(), err, verb[0] + " " + sample);
        }
    }

    @Test
    void badSamplesAndBatchesGiveTheSameLineInEveryVerb() {
        for (String bad : new String[] {"0x5", "abc", "12x", "x12", "8x8x8", "-4", "64x0", "99999999999x2"}) {
            expectError(bad, "1", "unet",
                    "--sample must be HxW with positive integers, e.g. 1024x1024, got '" + bad + "'");
        }
        expectError("64x64", "0", "unet", "--batch must be >= 1, got 0");
        expectError("64x64", "1", "nope",
                "unknown model 'nope' (built-in: resnet50, unet, meshnet, or a .json network file)");
    }

    @Test
    void squareAndRectangularSamplesParse() {
        assertEquals(new IntPair(64, 64), NetworkOptions.parseSample("64"));
        assertEquals(new IntPair(1024, 512), NetworkOptions.parseSample(" 1024X512 "));
        assertEquals(new IntPair(2048, 2048), NetworkOptions.of("unet", "2048x2048", 1).size());
    }
}
