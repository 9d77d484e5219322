package org.spatialconv.perfmodel.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.spatialconv.conv.io.AtomicFiles;
import org.spatialconv.perfmodel.cost.CostModel;
import org.spatialconv.perfmodel.cost.CostOptions;
import org.spatialconv.perfmodel.machine.MachineProfile;
import org.spatialconv.perfmodel.machine.Profiles;
import org.spatialconv.perfmodel.net.NetworkSpec;
import org.spatialconv.perfmodel.net.TensorShape;
import org.spatialconv.perfmodel.search.Plan;
import org.spatialconv.perfmodel.search.Planner;
import org.spatialconv.perfmodel.search.SingleGridPlan;
import org.spatialconv.perfmodel.search.StrongScaling;
import org.spatialconv.perfmodel.zoo.ModelZoo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code spatialconv plan}: chooses a distribution per layer for a model on P GPUs of a machine and prints the
 * per-layer table, the predicted iteration time, the sample-parallel baseline and, with {@code --plot}, the
 * strong-scaling curve.
 */
@Command(name = "plan", mixinStandardHelpOptions = true, versionProvider = SpatialconvCli.Version.class,
        sortOptions = false,
        description = {"Plans a per-layer distribution (samples x rows x cols) minimising predicted iteration time",
            "subject to memory per rank, and says why: it compares the plan with every single-grid plan, pure sample",
            "parallelism included."})
public final class PlanCommand extends CliCommand {
    @Mixin
    NetworkOptions net;

    @Option(names = "--gpus", required = true, paramLabel = "P", description = "Number of ranks (GPUs).")
    int gpus;

    @Option(names = "--machine", defaultValue = "lassen", paramLabel = "NAME|PROFILE.json",
            description = "lassen, h100, cpu-local or a profile file (calibrate). Default: ${DEFAULT-VALUE}.")
    String machine;

    @Option(names = "--memory", paramLabel = "GiB", description = "Memory per rank, overriding the profile's.")
    Double memoryGiB;

    @Option(names = "--optimizer", defaultValue = "sgd", paramLabel = "sgd|adam",
            description = "Optimizer state kept per parameter (sgd: momentum, adam: 2 moments). Default: sgd.")
    String optimizer;

    @Option(names = "--bn", defaultValue = "global", paramLabel = "global|local",
            description = "Batch-norm statistics over all ranks (global, Spatialconv's layer) or per sample group "
                    + "(local, as in the paper). Default: ${DEFAULT-VALUE}.")
    String bn;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the plan as JSON.")
    Path json;

    @Option(names = "--plot", paramLabel = "FILE.svg|FILE.png",
            description = "Also draw the strong-scaling curve over P = 1, 2, 4, ..., --gpus.")
    Path plot;

    @Override
    protected int execute() throws IOException {
        Setup s = Setup.of(net, machine, memoryGiB, optimizer, bn);
        if (gpus < 1) {
            throw new UserException("--gpus must be >= 1, got " + gpus);
        }
        long extent = (long) s.input().n() * s.input().h() * s.input().w();
        if (gpus > extent) {
            throw new UserException("--gpus " + gpus + " is larger than the total extent of the mini-batch (N x H x W"
                    + " = " + extent + "): some ranks would own nothing along every split");
        }
        checkOutput(json, "--json");
        if (plot != null) {
            ScalingPlot.checkName(plot);
            checkOutput(plot, "--plot");
        }
        CostModel m = s.model(gpus);
        Planner.Result r;
        long t0 = System.nanoTime();
        try {
            r = Planner.plan(m);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        }
        if (!r.fits()) {
            throw new UserException(s.net().name() + " at " + s.input() + " on " + gpus + " ranks of "
                    + s.machine().name() + " " + r.reason());
        }
        double searchMs = (System.nanoTime() - t0) / 1e6;
        Plan plan = r.plan();
        Plan baseline = Planner.samplesOnly(m);
        PlanReport.table(out(), plan);
        out().println();
        out().printf("%s, input %s, %d ranks of %s (%s)%n", s.net().name(), PlanReport.shape(s.input()), gpus,
                s.machine().name(), s.machine().measured() ? "calibrated" : "built-in numbers, not measured here");
        PlanReport.summary(out(), plan, baseline, baseline.fits() ? null : String.format(
                "needs %.2f GiB per rank", baseline.memoryBytesPerRank() / (1024.0 * 1024 * 1024)));
        List<SingleGridPlan> singles = r.singleGridPlans();
        PlanReport.why(out(), plan, singles, s.input().n(), 5);
        out().printf("search: %d layers x %d grids in %.0f ms%n", plan.layers().size(), m.grids().size(),
                searchMs);
        List<StrongScaling.Point> curve = null;
        if (plot != null || json != null) {
            curve = StrongScaling.curve(StrongScaling.rankCounts(gpus), s::model);
        }
        List<Path[]> staged = new ArrayList<>();
        try {
            if (json != null) {
                String text = PlanReport.MAPPER.writeValueAsString(PlanReport.json(s.net().name(), s.machine().name(),
                        gpus, s.input(), plan, baseline, singles, curve));
                staged.add(new Path[] {AtomicFiles.stage(json, tmp -> Files.writeString(tmp, text)), json});
            }
            if (plot != null) {
                List<StrongScaling.Point> points = curve;
                String title = s.net().name() + " " + s.input().h() + "x" + s.input().w() + ", batch " + s.input().n()
                        + ", " + s.machine().name();
                staged.add(new Path[] {AtomicFiles.stage(plot, tmp -> ScalingPlot.write(tmp, plot, title, points)),
                    plot});
            }
            for (Path[] p : staged) {
                AtomicFiles.commit(p[0], p[1]);
            }
        } catch (IOException | RuntimeException e) {
            staged.forEach(p -> AtomicFiles.discard(p[0]));
            throw e;
        }
        return 0;
    }

    static void checkOutput(Path target, String option) {
        if (target == null) {
            return;
        }
        Path dir = target.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new UserException(option + " " + target + ": folder " + dir + " does not exist");
        }
        if (Files.isDirectory(target)) {
            throw new UserException(option + " " + target + " is a folder");
        }
    }

    /** The parsed common inputs of plan, calibrate and validate. */
    record Setup(NetworkSpec net, TensorShape input, MachineProfile machine, CostOptions options) {
        static Setup of(NetworkOptions o, String machineName, Double memoryGiB, String optimizer, String bn) {
            int batch = o.batch();
            IntPair hw = o.size();
            NetworkSpec net;
            MachineProfile mp;
            try {
                net = ModelZoo.resolve(o.model);
                mp = Profiles.resolve(machineName);
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage(), e);
            }
            if (memoryGiB != null) {
                if (!(memoryGiB > 0)) {
                    throw new UserException("--memory must be > 0 GiB, got " + memoryGiB);
                }
                mp = mp.withMemory((long) (memoryGiB * 1024 * 1024 * 1024));
            }
            TensorShape input = new TensorShape(batch, net.inputChannels(), hw.h(), hw.w());
            try {
                net.inferShapes(input);
            } catch (IllegalArgumentException e) {
                throw new UserException(net.name() + " at " + hw.h() + "x" + hw.w() + ": " + e.getMessage(), e);
            }
            int slots = switch (optimizer) {
                case "sgd" -> 1;
                case "adam" -> 2;
                default -> throw new UserException("--optimizer must be sgd or adam, got '" + optimizer + "'");
            };
            boolean global = switch (bn) {
                case "global" -> true;
                case "local" -> false;
                default -> throw new UserException("--bn must be global or local, got '" + bn + "'");
            };
            return new Setup(net, input, mp, new CostOptions(slots, global));
        }

        CostModel model(int ranks) {
            return new CostModel(net, input, machine, ranks, options);
        }
    }

}
