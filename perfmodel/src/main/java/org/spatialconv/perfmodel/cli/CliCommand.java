package org.spatialconv.perfmodel.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Base of every verb: gives access to the command's output streams (so tests can capture them) and turns an
 * out-of-memory error into a one-line runtime failure. Verbs print results on {@link #out()} and progress on
 * {@link #err()}, and throw {@link UserException} for bad input.
 */
public abstract class CliCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    /** Standard output of this invocation. */
    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Standard error of this invocation (progress and warnings). */
    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** This command's picocli model (for options that re-run the command, such as {@code --launch mpj}). */
    protected CommandSpec spec() {
        return spec;
    }

    /** The full command name, e.g. {@code spatialconv bench conv}. */
    protected String commandName() {
        return spec.qualifiedName();
    }

    @Override
    public final Integer call() throws Exception {
        try {
            return execute();
        } catch (OutOfMemoryError e) {
            throw new IllegalStateException("out of memory (max heap " + Runtime.getRuntime().maxMemory() / (1 << 20)
                    + " MiB); give the JVM more, e.g. JAVA_OPTS=-Xmx16g", e);
        }
    }

    /** Runs the verb; returns the exit code (0 on success). */
    protected abstract int execute() throws Exception;

    /**
     * The untimed warm-up steps of {@code train} and {@code validate}: {@code --warmup}, else 1 (0 with one step).
     *
     * @throws UserException unless at least one of the {@code steps} steps is left to time
     */
    static int warmupSteps(Integer warmup, int steps) {
        int w = warmup != null ? warmup : steps > 1 ? 1 : 0;
        if (w < 0 || w >= steps) {
            throw new UserException("--warmup must be >= 0 and less than --steps (" + steps + ")");
        }
        return w;
    }
}
