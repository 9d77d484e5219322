package org.spatialconv.conv.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes files by first writing a temporary file in the same folder and then renaming it over the target, so
 * readers see either the old file or the complete new one, never a partial write.
 */
public final class AtomicFiles {
    /**
     * Temporary files not yet committed or discarded; a shutdown hook deletes them so that an interrupted run
     * (Ctrl-C, SIGTERM) leaves no debris beside its outputs either.
     */
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(AtomicFiles::deleteQuietly),
                "spatialconv-tmp-cleanup"));
    }

    private AtomicFiles() {
    }

    /** Body of a write: fills the given temporary file. */
    @FunctionalInterface
    public interface Writer {
        /** Writes the whole content to {@code tmp}. */
        void write(Path tmp) throws IOException;
    }

    /**
     * Creates a temporary sibling of {@code target} and fills it with {@code writer}; the caller renames it with
     * {@link #commit} or deletes it with {@link #discard}. On failure the temporary file is already deleted.
     *
     * @throws IOException if the folder does not exist or is not writable, or the writer fails
     */
    public static Path stage(Path target, Writer writer) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IOException(target + ": folder " + dir + " does not exist");
        }
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        LIVE.add(tmp);
        try {
            writer.write(tmp);
            return tmp;
        } catch (IOException | RuntimeException | Error e) {
            discard(tmp);
            throw e;
        }
    }

    /** Renames a staged temporary file onto {@code target}, atomically where the file system allows it. */
    public static void commit(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        LIVE.remove(tmp);
    }

    /** Deletes a staged file, ignoring failures (used on error paths, where the first error matters). */
    public static void discard(Path tmp) {
        deleteQuietly(tmp);
        LIVE.remove(tmp);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the original failure is what the caller reports
        }
    }

    /** Stages and commits in one step. */
    public static void write(Path target, Writer writer) throws IOException {
        Path tmp = stage(target, writer);
        try {
            commit(tmp, target);
        } catch (IOException | RuntimeException e) {
            discard(tmp);
            throw e;
        }
    }
}
