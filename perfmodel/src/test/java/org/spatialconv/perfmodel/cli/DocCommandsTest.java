package org.spatialconv.perfmodel.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every {@code ./spatialconv ...} command line in README.md and docs/*.md parses against the CLI as it is: the
 * verbs and options the documentation shows exist and take the values shown. Commands are parsed, not run.
 * Lines with shell placeholders ({@code $VAR}, {@code …}, {@code R}-style letters as numbers) are checked for
 * their verb and option names only.
 */
class DocCommandsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /** The documented command lines: continuation lines joined, trailing comments and backquotes dropped. */
    static List<String> commands() throws IOException {
        List<Path> files = new ArrayList<>();
        files.add(ROOT.resolve("README.md"));
        try (var s = Files.list(ROOT.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        List<String> out = new ArrayList<>();
        for (Path f : files) {
            List<String> lines = Files.readAllLines(f);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                int at = line.indexOf("./spatialconv ");
                if (at < 0 || !line.substring(0, at).trim().matches("([A-Z_]+=\\S*\\s*)*")) {
                    continue; // prose that mentions the command, or a command inside a pipeline/sentence
                }
                StringBuilder cmd = new StringBuilder(line.substring(at + "./spatialconv ".length()));
                while (cmd.toString().trim().endsWith("\\") && i + 1 < lines.size()) {
                    cmd.setLength(cmd.toString().trim().length() - 1);
                    cmd.append(' ').append(lines.get(++i).trim());
                }
                String c = cmd.toString();
                int hash = c.indexOf(" #");
                if (hash >= 0) {
                    c = c.substring(0, hash);
                }
                for (String cut : new String[] {" | ", " > ", " 2>", "`", ";", "&&"}) {
                    int k = c.indexOf(cut);
                    if (k >= 0) {
                        c = c.substring(0, k);
                    }
                }
                out.add(f.getFileName() + ":" + (i + 1) + ": " + c.trim());
            }
        }
        return out;
    }

    /** The verb's command line ("bench conv" is two words), or null. */
    private static CommandLine verb(CommandLine root, String[] args) {
        CommandLine cl = root;
        for (String a : args) {
            CommandLine sub = cl.getSubcommands().get(a);
            if (sub == null) {
                break;
            }
            cl = sub;
        }
        return cl == root ? null : cl;
    }

    @Test
    void everyDocumentedCommandParses() throws IOException {
        List<String> cmds = commands();
        List<String> failures = new ArrayList<>();
        int full = 0;
        int synopses = 0;
        for (String where : cmds) {
            String c = where.substring(where.indexOf(": ") + 2);
            String[] args = c.isEmpty() ? new String[0] : c.split("\\s+");
            if (c.contains("[") || c.matches(".*\\w\\|\\w.*")) {
                // a synopsis (optional parts in brackets, alternatives a|b): its verb and option names must exist
                synopses++;
                CommandLine v = verb(SpatialconvCli.commandLine(), args);
                if (v == null) {
                    failures.add(where + "  ->  no such verb");
                    continue;
                }
                for (String a : args) {
                    String name = a.replace("[", "").replace("]", "");
                    int eq = name.indexOf('=');
                    name = eq > 0 ? name.substring(0, eq) : name;
                    if (name.startsWith("--") && !v.getCommandSpec().optionsMap().containsKey(name)) {
                        failures.add(where + "  ->  unknown option " + name);
                    }
                }
                continue;
            }
            boolean placeholder = c.contains("$") || c.contains("…") || c.contains("...")
                    || c.matches(".*--\\S+ [A-Z]\\b.*");
            try {
                SpatialconvCli.commandLine().parseArgs(args);
                full++;
            } catch (CommandLine.ParameterException e) {
                boolean nameError = e instanceof CommandLine.UnmatchedArgumentException
                        || e.getMessage().startsWith("Unknown option");
                if (!placeholder || nameError) {
                    failures.add(where + "  ->  " + e.getMessage());
                }
            }
        }
        assertTrue(failures.isEmpty(), "documented commands that do not parse:\n" + String.join("\n", failures));
        assertTrue(cmds.size() >= 40, "documented commands found: " + cmds.size());
        assertTrue(full >= 30, "commands parsed in full: " + full);
        assertTrue(synopses >= 3, "synopses checked: " + synopses);
    }
}
