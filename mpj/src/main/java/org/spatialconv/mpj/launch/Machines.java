package org.spatialconv.mpj.launch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A machines file: one host per line, optionally followed by {@code slots=N} (ranks that host takes per round,
 * default 1); {@code #} starts a comment, blank lines are ignored. Ranks are placed host by host, filling each
 * host's slots, and wrap around when there are more ranks than slots:
 * <pre>
 * # two hosts, two ranks each
 * node1 slots=2
 * node2 slots=2
 * </pre>
 *
 * @param hosts  host names in file order
 * @param slots  slots per host, same order
 */
public record Machines(List<String> hosts, List<Integer> slots) {
    /** Validates the lists. */
    public Machines {
        hosts = List.copyOf(hosts);
        slots = List.copyOf(slots);
        if (hosts.isEmpty() || hosts.size() != slots.size()) {
            throw new IllegalArgumentException("a machines file needs at least one host");
        }
    }

    /** Parses {@code file}; IllegalArgumentException names the file and line of a bad entry. */
    public static Machines parse(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read machines file " + file, e);
        }
        return parse(lines, file.toString());
    }

    /** Parses machines-file lines; {@code source} names them in errors. */
    public static Machines parse(List<String> lines, String source) {
        List<String> hosts = new ArrayList<>();
        List<Integer> slots = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String s = (hash >= 0 ? line.substring(0, hash) : line).trim();
            if (s.isEmpty()) {
                continue;
            }
            String[] parts = s.split("\\s+");
            int n = 1;
            if (parts.length > 2 || (parts.length == 2 && !parts[1].startsWith("slots="))) {
                throw new IllegalArgumentException(source + " line " + (i + 1) + ": expected 'HOST [slots=N]', got '"
                        + s + "'");
            }
            if (parts.length == 2) {
                try {
                    n = Integer.parseInt(parts[1].substring(6));
                } catch (NumberFormatException e) {
                    n = -1;
                }
                if (n < 1) {
                    throw new IllegalArgumentException(source + " line " + (i + 1) + ": slots must be a positive "
                            + "integer, got '" + parts[1] + "'");
                }
            }
            hosts.add(parts[0]);
            slots.add(n);
        }
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException(source + ": no hosts");
        }
        return new Machines(hosts, slots);
    }

    /** The host of each of {@code ranks} ranks. */
    public List<String> place(int ranks) {
        List<String> out = new ArrayList<>(ranks);
        while (out.size() < ranks) {
            for (int h = 0; h < hosts.size() && out.size() < ranks; h++) {
                for (int k = 0; k < slots.get(h) && out.size() < ranks; k++) {
                    out.add(hosts.get(h));
                }
            }
        }
        return out;
    }
}
