package org.spatialconv.perfmodel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every verb's {@code --help} renders without picocli warnings: picocli passes descriptions through
 * {@link String#format}, and a bare {@code %} in one makes it print a warning to standard error.
 */
class HelpTextTest {
    private static void collect(CommandLine cl, List<CommandLine> into) {
        into.add(cl);
        for (CommandLine sub : cl.getSubcommands().values()) {
            collect(sub, into);
        }
    }

    @Test
    void everyUsageRendersWithoutPicocliWarnings() {
        List<CommandLine> all = new ArrayList<>();
        collect(SpatialconvCli.commandLine(), all);
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        StringBuilder usages = new StringBuilder();
        try {
            System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
            for (CommandLine cl : all) {
                String usage = cl.getUsageMessage();
                assertTrue(usage.contains("Usage:"), cl.getCommandSpec().qualifiedName());
                usages.append(usage);
            }
        } finally {
            System.setErr(saved);
        }
        String warnings = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals("", warnings, "picocli printed warnings while rendering --help");
        assertTrue(all.size() >= 7, "verbs found: " + all.size());
        assertTrue(usages.indexOf("about 5% faster") >= 0, "a %% in a description renders as one %");
    }
}
