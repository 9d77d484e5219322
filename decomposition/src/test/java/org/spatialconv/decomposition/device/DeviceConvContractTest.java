package org.spatialconv.decomposition.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.BackendOptions;
import org.spatialconv.conv.Backends;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.device.DeviceRuntime;
import org.spatialconv.decomposition.device.DeviceConvRunner.Inputs;
import org.spatialconv.decomposition.device.DeviceConvRunner.Result;
import org.spatialconv.decomposition.device.DeviceConvRunner.Transport;
import org.spatialconv.decomposition.grid.ProcessGrid;
import org.spatialconv.decomposition.layer.ConvCase;
import org.spatialconv.decomposition.layer.ConvPlan;
import org.spatialconv.decomposition.layer.OverlapMode;

/**
 * The distributed convolution on a device equals the single-rank result: forward, backward-data, backward-filter and
 * bias gradient (relative L2 below {@link ConvCase#TOLERANCE}), for both transports, with and without overlap, on
 * grids of 1 to 4 ranks that all share one device. The single-rank reference is the same runner on a 1-rank grid,
 * itself checked against the CPU backend. Each launch queues two problems back to back, with their inputs produced
 * on the compute stream, so ordering between consecutive calls is checked as well. Every launch closes every rank's runtime, whose leak check fails the run
 * if a device array, staging buffer, stream or event was left open; the tests also assert it here.
 * Implementations supply the device.
 */
abstract class DeviceConvContractTest {
    static final long SEED = 0x6D0C_0A7EL;
    static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** Problems queued back to back per launch, so consecutive calls are checked too. */
    static final int PROBLEMS = 2;
    /** Grids of the 4-rank test: every way to split 4 ranks over samples, rows and columns used in practice. */
    static final ProcessGrid[] FOUR_RANK_GRIDS = {ProcessGrid.nhw(1, 2, 2), ProcessGrid.nhw(2, 1, 2),
        ProcessGrid.nhw(1, 1, 4), ProcessGrid.nhw(4, 1, 1)};
    /** Grids the random cases draw from: 1 to 4 ranks. */
    static final ProcessGrid[] GRIDS = {ProcessGrid.nhw(1, 1, 1), ProcessGrid.nhw(1, 2, 1), ProcessGrid.nhw(1, 1, 2),
        ProcessGrid.nhw(2, 1, 1), ProcessGrid.nhw(1, 3, 1), ProcessGrid.nhw(1, 1, 3), ProcessGrid.nhw(1, 2, 2),
        ProcessGrid.nhw(2, 1, 2), ProcessGrid.nhw(2, 2, 1), ProcessGrid.nhw(1, 1, 4), ProcessGrid.nhw(4, 1, 1),
        ProcessGrid.nhw(1, 4, 1)};

    private final List<DeviceRuntime> created = new ArrayList<>();

    /** A new runtime for {@code rank} on the device all ranks of a launch share. */
    protected abstract DeviceRuntime newRank(int rank);

    /** How many random cases per transport. */
    protected int randomCases() {
        return 30;
    }

    private synchronized DeviceRuntime track(int rank) {
        DeviceRuntime d = newRank(rank);
        created.add(d);
        return d;
    }

    /** Every runtime a test created was closed with nothing left open. */
    @AfterEach
    void everyDeviceArrayWasFreed() {
        for (DeviceRuntime d : created) {
            assertEquals(0, d.openResources(), () -> d.description() + " leaked resources");
        }
        created.clear();
    }

    DeviceConvRunner runner(ProcessGrid grid, ConvCase c, Transport t, OverlapMode mode) {
        return new DeviceConvRunner(new ConvPlan(grid, c.g(), c.x(), c.w()), this::track, t, mode, TIMEOUT);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void fourRanksShareOneDeviceEqualSingleRank(Transport t) {
        ConvCase c = new ConvCase(ConvGeometry.square(3, 1, 1, 1, 1), Shape.nchw(4, 3, 13, 11), 5);
        Random rnd = new Random(SEED);
        List<Inputs> in = inputs(c, rnd);
        List<String> failures = new ArrayList<>();
        List<Result> single = singleRank(failures, c, t, in, "single rank");
        int compared = 0;
        for (ProcessGrid grid : FOUR_RANK_GRIDS) {
            for (OverlapMode mode : OverlapMode.values()) {
                List<Result> r = runner(grid, c, t, mode).run(in);
                compared += compare(failures, t + " grid " + grid + " " + mode, r, single);
            }
        }
        assertTrue(failures.isEmpty(), () -> failures.size() + " mismatches, first: " + failures.get(0));
        assertEquals(FOUR_RANK_GRIDS.length * 2 * PROBLEMS * 5, compared);
        System.out.println(getClass().getSimpleName() + " 4 ranks, " + t + ": " + compared
                + " tensors equal the single-rank result");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void randomGeometriesEqualSingleRank(Transport t) {
        Random rnd = new Random(SEED + t.ordinal());
        List<String> failures = new ArrayList<>();
        int checked = 0;
        int multiRank = 0;
        int compared = 0;
        int tries = 0;
        while (checked < randomCases()) {
            tries++;
            ConvCase c = ConvCase.random(rnd);
            ProcessGrid grid = GRIDS[rnd.nextInt(GRIDS.length)];
            OverlapMode mode = rnd.nextBoolean() ? OverlapMode.ON : OverlapMode.OFF;
            if (!c.splits(grid)) {
                continue;
            }
            String ctx = "seed " + SEED + " try " + tries + ": " + c + " grid=" + grid + " " + t + " " + mode;
            List<Inputs> in = inputs(c, rnd);
            List<Result> single = singleRank(failures, c, t, in, ctx + " single rank");
            compared += compare(failures, ctx, runner(grid, c, t, mode).run(in), single);
            checked++;
            multiRank += grid.size() > 1 ? 1 : 0;
        }
        assertTrue(failures.isEmpty(), () -> failures.size() + " mismatches, first: " + failures.get(0));
        assertTrue(multiRank >= randomCases() / 2, "only " + multiRank + " multi-rank cases");
        assertEquals(5 * PROBLEMS * checked, compared);
        System.out.println(getClass().getSimpleName() + " " + t + ": " + checked + " random cases (" + multiRank
                + " multi-rank), " + compared + " tensors equal the single-rank result");
    }

    /** The problems of one launch, queued back to back (see {@link DeviceConvRunner#run(List)}). */
    static List<Inputs> inputs(ConvCase c, Random rnd) {
        List<Inputs> in = new ArrayList<>();
        for (int i = 0; i < PROBLEMS; i++) {
            in.add(new Inputs(ConvCase.random(c.x(), rnd), ConvCase.random(c.w(), rnd),
                    ConvCase.random(Shape.of(c.k()), rnd), ConvCase.random(c.yOrNull(), rnd)));
        }
        return in;
    }

    /** The 1-rank device results, each checked against the CPU backend. */
    List<Result> singleRank(List<String> failures, ConvCase c, Transport t, List<Inputs> in, String ctx) {
        List<Result> single = runner(ProcessGrid.nhw(1, 1, 1), c, t, OverlapMode.OFF).run(in);
        for (int i = 0; i < in.size(); i++) {
            compare(failures, ctx + " problem " + i + " vs CPU", single.get(i), cpu(c, in.get(i)));
        }
        return single;
    }

    /** Compares the five results of each problem; returns how many tensors were compared. */
    static int compare(List<String> failures, String ctx, List<Result> got, List<Result> want) {
        assertEquals(want.size(), got.size());
        int n = 0;
        for (int i = 0; i < got.size(); i++) {
            n += compare(failures, ctx + " problem " + i, got.get(i), want.get(i));
        }
        return n;
    }

    /** Compares the five results; returns how many tensors were compared. */
    static int compare(List<String> failures, String ctx, Result got, Result want) {
        ConvCase.check(failures, ctx, "forward", got.y(), want.y());
        ConvCase.check(failures, ctx, "backward-data", got.dx(), want.dx());
        ConvCase.check(failures, ctx, "backward-filter", got.dw(), want.dw());
        ConvCase.check(failures, ctx, "bias (with filter)", got.db(), want.db());
        ConvCase.check(failures, ctx, "bias", got.dbAlone(), want.dbAlone());
        return 5;
    }

    /** The CPU backend's single-rank results. */
    static Result cpu(ConvCase c, Inputs in) {
        Tensor y1 = Tensor.zeros(c.yOrNull());
        Tensor dx1 = Tensor.zeros(c.x());
        Tensor dw1 = Tensor.zeros(c.w());
        Tensor db1 = Tensor.zeros(Shape.of(c.k()));
        try (Backend cpu = Backends.create("cpu", BackendOptions.threads(1))) {
            cpu.convForward(in.x(), in.w(), in.bias(), c.g(), y1);
            cpu.convBackwardData(in.dy(), in.w(), c.g(), dx1);
            cpu.convBackwardFilter(in.x(), in.dy(), c.g(), dw1);
            cpu.biasBackward(in.dy(), db1);
        }
        return new Result(y1, dx1, dw1, db1, db1);
    }
}
