package org.spatialconv.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spatialconv bench conv} end to end on a small layer: the table and the {@code --json} contract. */
class BenchCliTest {
    /** The keys issue 2 fixes, in this order, at the start of the JSON object. */
    static final List<String> REQUIRED_KEYS = List.of("fwd_ms", "bwd_data_ms", "bwd_filter_ms", "fwd_gflops",
            "bwd_data_gflops", "bwd_filter_gflops");
    private static final Pattern ENTRY = Pattern.compile("\"([a-z_]+)\":\\s*(\"[^\"]*\"|[-+0-9.eE]+)");

    @TempDir
    Path dir;

    @Test
    void printsTableAndWritesJsonWithPositiveMedians() throws IOException {
        Path json = dir.resolve("bench.json");
        Cli.Result res = Cli.run("bench", "conv", "--batch", "2", "--channels", "3", "--size", "12x10", "--filters",
                "4", "--kernel", "3", "--padding", "1", "--stride", "1,2", "--threads", "2", "--iterations", "3",
                "--json", json.toString());
        assertEquals(0, res.exitCode(), res.describe());
        for (String pass : List.of("forward", "backward-data", "backward-filter")) {
            assertTrue(res.out().lines().anyMatch(l -> l.startsWith(pass + " ")), pass + " row\n" + res.describe());
        }
        String text = Files.readString(json).trim();
        assertTrue(text.startsWith("{") && text.endsWith("}"), text);
        Map<String, String> entries = new LinkedHashMap<>();
        Matcher m = ENTRY.matcher(text);
        while (m.find()) {
            entries.put(m.group(1), m.group(2));
        }
        List<String> keys = new ArrayList<>(entries.keySet());
        assertEquals(REQUIRED_KEYS, keys.subList(0, REQUIRED_KEYS.size()), text);
        int positive = 0;
        for (String k : REQUIRED_KEYS) {
            double v = Double.parseDouble(entries.get(k));
            assertTrue(v > 0 && Double.isFinite(v), k + " = " + v);
            positive++;
        }
        assertEquals(6, positive);
        assertEquals("3", entries.get("iterations"));
        assertEquals("2", entries.get("threads"));
        assertEquals("\"auto\"", entries.get("cpu_algorithm"), "the default CPU algorithm\n" + text);
        assertTrue(res.out().lines().anyMatch(l -> l.startsWith("backend=cpu (SPATIALCONV_CPU_CONV=auto) grid=")),
                res.describe());
    }
}
