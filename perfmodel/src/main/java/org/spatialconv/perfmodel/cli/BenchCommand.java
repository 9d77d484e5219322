package org.spatialconv.perfmodel.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code spatialconv bench}: the group of benchmarks ({@link Verbs#BENCHMARKS}); does nothing by itself. */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = SpatialconvCli.Version.class,
        description = "Benchmarks on random data (see 'spatialconv bench conv --help').")
public final class BenchCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing benchmark: choose one of "
                + String.join(", ", spec.subcommands().keySet()));
    }
}
