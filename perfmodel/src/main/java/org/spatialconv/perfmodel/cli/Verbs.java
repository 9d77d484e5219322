package org.spatialconv.perfmodel.cli;

import java.util.List;
import java.util.function.Supplier;

/**
 * The one place verbs are registered. To add a verb, write a {@link CliCommand} annotated with picocli's
 * {@code @Command(name = ..., mixinStandardHelpOptions = true)} and add its constructor here; to add a benchmark,
 * add it to {@link #BENCHMARKS} (it becomes {@code spatialconv bench NAME}).
 */
public final class Verbs {
    private Verbs() {
    }

    /** Top-level verbs: {@code spatialconv VERB}. */
    static final List<Supplier<Object>> TOP_LEVEL = List.of(
            ConvCommand::new,
            BenchCommand::new,
            PlanCommand::new,
            CalibrateCommand::new,
            ValidateCommand::new,
            TrainCommand::new);

    /** Benchmarks: {@code spatialconv bench NAME}. */
    static final List<Supplier<Object>> BENCHMARKS = List.of(
            BenchConvCommand::new);
}
