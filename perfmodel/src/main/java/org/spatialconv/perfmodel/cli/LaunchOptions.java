package org.spatialconv.perfmodel.cli;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.spatialconv.mpj.launch.LaunchConfig;
import org.spatialconv.mpj.launch.LaunchException;
import org.spatialconv.mpj.launch.Machines;
import org.spatialconv.mpj.launch.MpjLauncher;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * {@code --launch mpj --ranks R [--machines FILE]}: run a verb with one process per rank under MPJ Express instead
 * of in-JVM ranks. The invoking process validates the command, starts the ranks (each re-runs the same command
 * line as an MPJ rank, see {@link MpjRanks}), supervises them and fails with one line naming the first failed
 * rank when any fails.
 */
public final class LaunchOptions {
    /** Where ranks run. */
    enum Mode { local, mpj }

    @Option(names = "--launch", paramLabel = "MODE", defaultValue = "local",
            description = "local: ranks are threads of this JVM; mpj: one process per rank (MPJ Express). "
                    + "Default: ${DEFAULT-VALUE}.")
    Mode mode;

    @Option(names = "--ranks", paramLabel = "R", description = "Rank processes for --launch mpj; must equal the "
            + "grid's cell count (the default).")
    Integer ranks;

    @Option(names = "--rank-timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "--launch mpj: how long a rank waits for a peer before the job fails (a hung rank is "
                    + "found after this; a dead or frozen one at once). Default: ${DEFAULT-VALUE}.")
    long rankTimeoutSeconds;

    @Option(names = "--machines", paramLabel = "FILE", description = "Hosts for --launch mpj: one per line, "
            + "optionally 'slots=N'; '#' comments (default: all ranks on this host).")
    Path machines;

    /**
     * If this invocation asks for MPJ and is not itself a rank, launches the ranks and returns true once every
     * rank succeeded; returns false when the caller should compute in this process.
     *
     * @throws UserException on inconsistent options, a runtime exception naming the failed rank otherwise
     */
    boolean launchIfRequested(CommandSpec spec, GridSpec grid) {
        if (mode != Mode.mpj) {
            if (ranks != null || machines != null) {
                throw new UserException("--ranks and --machines need --launch mpj");
            }
            return false;
        }
        if (MpjRanks.inRank()) {
            return false;
        }
        if (rankTimeoutSeconds < 1) {
            throw new UserException("--rank-timeout must be at least 1 second, got " + rankTimeoutSeconds);
        }
        int r = ranks == null ? grid.ranks() : ranks;
        if (r != grid.ranks()) {
            throw new UserException("--ranks " + r + " does not match grid " + grid + " (" + grid.ranks()
                    + " cells)");
        }
        LaunchConfig config;
        try {
            config = LaunchConfig.local(r, MpjRanks.class, rankArgs(spec))
                    .withTimeouts(Duration.ofSeconds(rankTimeoutSeconds), LaunchConfig.DEFAULT_FAIL_TIMEOUT,
                            Duration.ofSeconds(30))
                    .withJvmArgs(rankJvmArgs(r));
            if (machines != null) {
                config = config.withMachines(Machines.parse(machines));
            }
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        } catch (java.io.UncheckedIOException e) {
            throw new UserException(e.getMessage() + " (" + e.getCause().getMessage() + ")", e);
        }
        try {
            MpjLauncher.run(config, spec.commandLine().getOut(), spec.commandLine().getErr());
        } catch (LaunchException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return true;
    }

    /** The command line of this invocation without the launch options: what every rank runs. */
    private static List<String> rankArgs(CommandSpec spec) {
        List<String> in = spec.root().commandLine().getParseResult().originalArgs();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            String a = in.get(i);
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (name.equals("--launch") || name.equals("--ranks") || name.equals("--machines")
                    || name.equals("--rank-timeout")) {
                if (!a.contains("=")) {
                    i++;
                }
                continue;
            }
            out.add(a);
        }
        return out;
    }

    /** Heap limits shared out among the ranks of this host; the launcher itself needs little. */
    private static List<String> rankJvmArgs(int ranks) {
        List<String> jvm = new ArrayList<>(List.of("-Xss4m"));
        boolean heap = false;
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-Xmx") || a.startsWith("-XX:MaxRAMPercentage")) {
                heap = true;
                jvm.add(a);
            }
        }
        if (!heap) {
            jvm.add("-XX:MaxRAMPercentage=" + Math.max(5, 75 / ranks));
        }
        return jvm;
    }
}
