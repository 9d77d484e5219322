package org.spatialconv.decomposition.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.io.AtomicFiles;
import org.spatialconv.conv.io.NpyFile;
import org.spatialconv.conv.layers.Parameter;

/**
 * Saves and loads a network's parameters and buffers as one {@code NAME.npy} per tensor in a folder (PyTorch's
 * layouts, e.g. {@code enc0.conv1.weight.npy} is K, C, R, S). Both are collectives: rank 0 writes every file (all
 * staged first, then renamed, so a failed save leaves no partial set) while the others wait; every rank loads.
 */
public final class ParameterFiles {
    private ParameterFiles() {
    }

    private static List<Parameter> all(Network net) {
        List<Parameter> l = new ArrayList<>(net.parameters());
        l.addAll(net.buffers());
        return l;
    }

    /** Writes every parameter and buffer of {@code net} into {@code dir} (created if missing). */
    public static void save(Network net, Exchange ex, Path dir) {
        RuntimeException failure = null;
        if (ex.rank() == 0) {
            List<Path[]> staged = new ArrayList<>();
            try {
                Files.createDirectories(dir);
                for (Parameter p : all(net)) {
                    Path target = dir.resolve(p.name() + ".npy");
                    Tensor t = p.value();
                    staged.add(new Path[] {AtomicFiles.stage(target, tmp -> NpyFile.writeTo(tmp, t)), target});
                }
                for (Path[] s : staged) {
                    AtomicFiles.commit(s[0], s[1]);
                }
            } catch (IOException e) {
                staged.forEach(s -> AtomicFiles.discard(s[0]));
                failure = new UncheckedIOException("cannot save parameters to " + dir + ": " + e.getMessage(), e);
            }
        }
        double[] status = {failure == null ? 0 : 1};
        ex.allreduce(status);
        if (failure != null) {
            throw failure;
        }
        if (status[0] != 0) {
            throw new IllegalStateException("rank 0 failed to save parameters to " + dir);
        }
    }

    /**
     * Replaces every parameter and buffer of {@code net} with {@code dir/NAME.npy}.
     *
     * @throws IllegalArgumentException naming the first missing file or mismatched shape
     */
    public static void load(Network net, Path dir) {
        for (Parameter p : all(net)) {
            Path f = dir.resolve(p.name() + ".npy");
            if (!Files.isRegularFile(f)) {
                throw new IllegalArgumentException("parameter file " + f + " is missing");
            }
            Tensor t;
            try {
                t = NpyFile.read(f);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
            }
            Shape want = p.shape();
            if (!t.shape().equals(want)) {
                throw new IllegalArgumentException(f + " has shape " + t.shape() + " but parameter " + p.name()
                        + " needs " + want);
            }
            System.arraycopy(t.data(), 0, p.value().data(), 0, want.size());
        }
    }
}
