package org.spatialconv.perfmodel.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.io.AtomicFiles;
import org.spatialconv.conv.io.NpyFile;

/**
 * The output files of one command, written all or nothing: each is staged as a temporary file beside its target,
 * and only when every one is staged are they renamed into place. On any failure the staged files (and targets
 * already renamed by this set) are removed, so a failed run leaves no output behind.
 */
final class OutputSet {
    private final Map<Path, String> targets = new LinkedHashMap<>();

    /**
     * Declares an output before any computing, checking that its folder exists and that it names no other
     * output of this run.
     *
     * @throws UserException on a duplicate, a missing folder or a path that is a folder
     */
    void declare(Path target, String option) {
        if (target == null) {
            return;
        }
        Path abs = target.toAbsolutePath().normalize();
        String other = targets.get(abs);
        if (other != null) {
            throw new UserException(option + " and " + other + " name the same file " + target);
        }
        if (Files.isDirectory(abs)) {
            throw new UserException(option + " " + target + " is a folder");
        }
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new UserException(option + " " + target + ": folder " + dir + " does not exist");
        }
        if (!Files.isWritable(dir)) {
            throw new UserException(option + " " + target + ": folder " + dir + " is not writable");
        }
        targets.put(abs, option);
    }

    /** Writes every tensor (keyed by declared path) as {@code .npy}; all appear or none. */
    void writeAll(Map<Path, Tensor> outputs) throws IOException {
        List<Path[]> staged = new ArrayList<>();
        Set<Path> committed = new HashSet<>();
        try {
            for (Map.Entry<Path, Tensor> e : outputs.entrySet()) {
                Path target = e.getKey().toAbsolutePath().normalize();
                if (!targets.containsKey(target)) {
                    throw new IllegalStateException("output " + target + " was not declared");
                }
                Tensor t = e.getValue();
                staged.add(new Path[] {AtomicFiles.stage(target, tmp -> NpyFile.writeTo(tmp, t)), target});
            }
            for (Path[] s : staged) {
                AtomicFiles.commit(s[0], s[1]);
                committed.add(s[1]);
            }
        } catch (IOException | RuntimeException | Error e) {
            for (Path[] s : staged) {
                AtomicFiles.discard(s[0]);
                if (committed.contains(s[1])) {
                    AtomicFiles.discard(s[1]);
                }
            }
            throw e;
        }
    }
}
