package org.spatialconv.perfmodel.cli;

import picocli.CommandLine.Option;

/**
 * {@code --model}, {@code --sample} and {@code --batch}, shared by {@code plan}, {@code validate} and
 * {@code train} (a picocli mixin), so that the three verbs take the same values and reject bad ones with the
 * same error line.
 */
final class NetworkOptions {
    @Option(names = "--model", required = true, paramLabel = "unet|meshnet|resnet50|FILE.json",
            description = "A built-in model or a JSON network file (docs/models.md).")
    String model;

    @Option(names = "--sample", required = true, paramLabel = "HxW",
            description = "Sample height x width, e.g. 1024x1024 (one number: a square sample).")
    String sample;

    @Option(names = "--batch", required = true, paramLabel = "N",
            description = "Global mini-batch: samples per step over all ranks.")
    int batch;

    /** The three values as if given on the command line (for callers other than picocli). */
    static NetworkOptions of(String model, String sample, int batch) {
        NetworkOptions o = new NetworkOptions();
        o.model = model;
        o.sample = sample;
        o.batch = batch;
        return o;
    }

    /** The sample's height and width; one error line for anything but positive {@code HxW} or {@code N}. */
    IntPair size() {
        return parseSample(sample);
    }

    /** The batch, at least 1. */
    int batch() {
        if (batch < 1) {
            throw new UserException("--batch must be >= 1, got " + batch);
        }
        return batch;
    }

    /** Parses {@code HxW} (or a single number for a square sample), both positive. */
    static IntPair parseSample(String sample) {
        String s = sample.trim().toLowerCase(java.util.Locale.ROOT);
        String[] p = s.split("x", -1);
        if ((p.length == 1 || p.length == 2) && s.length() <= 21) {
            int[] v = new int[p.length];
            boolean ok = true;
            for (int i = 0; i < p.length; i++) {
                String t = p[i].trim();
                ok &= !t.isEmpty() && t.length() <= 9 && t.chars().allMatch(Character::isDigit);
                v[i] = ok ? Integer.parseInt(t) : 0;
                ok &= v[i] >= 1;
            }
            if (ok) {
                return p.length == 1 ? new IntPair(v[0], v[0]) : new IntPair(v[0], v[1]);
            }
        }
        throw new UserException("--sample must be HxW with positive integers, e.g. 1024x1024, got '" + sample + "'");
    }
}
