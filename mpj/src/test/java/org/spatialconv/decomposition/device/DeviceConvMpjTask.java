package org.spatialconv.decomposition.device;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.cuda.CudaGpu;
import org.spatialconv.conv.cuda.CudaProbe;
import org.spatialconv.conv.device.DeviceRuntime;
import org.spatialconv.conv.device.EmulatedGpu;
import org.spatialconv.decomposition.comm.Communicator;
import org.spatialconv.decomposition.device.DeviceConvRunner.Inputs;
import org.spatialconv.decomposition.device.DeviceConvRunner.Result;
import org.spatialconv.decomposition.device.DeviceConvRunner.Transport;
import org.spatialconv.decomposition.grid.ProcessGrid;
import org.spatialconv.decomposition.layer.ConvCase;
import org.spatialconv.decomposition.layer.ConvPlan;
import org.spatialconv.decomposition.layer.OverlapMode;
import org.spatialconv.mpj.launch.RankTask;

/**
 * Runs inside every MPJ rank process: the device-resident distributed convolution with the halo staged through
 * page-locked host buffers over the MPJ communicator, each process on its own device (see the arguments).
 * Every process builds the same seeded global problems; the ranks' parts of the results are summed over the world
 * (they are disjoint, so the sum is exact) and compared on every rank with the CPU backend's single-rank results.
 * Arguments: result file, seed, grid {@code n,h,w}, and optionally the device: {@code emulated} (the default, the
 * Java emulated GPU) or {@code cuda} (a CUDA device, rank mod device count, through {@code CudaDeviceRuntime}).
 * Rank 0 writes {@code compared=N}; any mismatch throws.
 */
public class DeviceConvMpjTask implements RankTask {
    @Override
    public void run(Communicator world, List<String> args) throws Exception {
        Random rnd = new Random(Long.parseLong(args.get(1)));
        String[] g = args.get(2).split(",");
        ProcessGrid grid = ProcessGrid.nhw(Integer.parseInt(g[0]), Integer.parseInt(g[1]), Integer.parseInt(g[2]));
        ConvCase c = new ConvCase(ConvGeometry.of2d(3, 3, 1, 2, 1, 1, 1, 2, 1), Shape.nchw(2, 3, 11, 13), 4);
        List<Inputs> in = DeviceConvContractTest.inputs(c, rnd);
        boolean cuda = args.size() > 3 && args.get(3).equals("cuda");
        List<Result> parts;
        if (cuda) {
            try (CudaGpu gpu = CudaGpu.open(world.rank() % CudaProbe.get().devices())) {
                parts = runner(grid, c, r -> gpu.newRank()).runRank(world, in);
            }
        } else {
            EmulatedGpu gpu = new EmulatedGpu(world.rank(), EmulatedGpu.Schedule.THREADED, Duration.ofSeconds(30));
            parts = runner(grid, c, r -> gpu.newRank()).runRank(world, in);
        }
        List<Result> got = new ArrayList<>();
        List<Result> want = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            Result p = parts.get(i);
            got.add(new Result(sum(world, p.y()), sum(world, p.dx()), sum(world, p.dw()), sum(world, p.db()),
                    sum(world, p.dbAlone())));
            want.add(DeviceConvContractTest.cpu(c, in.get(i)));
        }
        List<String> failures = new ArrayList<>();
        int compared = DeviceConvContractTest.compare(failures, "mpj rank " + world.rank() + " grid " + grid, got,
                want);
        if (!failures.isEmpty()) {
            throw new AssertionError(failures.size() + " mismatches, first: " + failures.get(0));
        }
        float[] total = {compared};
        world.allreduceSum(total, 0, 1);
        if (world.rank() == 0) {
            Files.writeString(Path.of(args.get(0)), "compared=" + (long) total[0] + "\n");
        }
    }

    private static DeviceConvRunner runner(ProcessGrid grid, ConvCase c, IntFunction<DeviceRuntime> device) {
        return new DeviceConvRunner(new ConvPlan(grid, c.g(), c.x(), c.w()), device, Transport.HOST_STAGED,
                OverlapMode.ON, Duration.ofSeconds(30));
    }

    /** The element-wise sum over all ranks (each holds its own part, zeros elsewhere). */
    private static Tensor sum(Communicator world, Tensor t) {
        world.allreduceSum(t.data(), 0, t.data().length);
        return t;
    }
}
