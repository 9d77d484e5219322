package org.spatialconv.jmh;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.decomposition.grid.ProcessGrid;
import org.spatialconv.decomposition.layer.OverlapMode;

/**
 * A distributed 3x3 convolution (pad 1) per grid, with the data already distributed (each rank holds its own
 * blocks), timing each pass alone: forward (with its halo exchange), backward-data (with its gradient push)
 * and backward-filter (with the dw/db allreduce). Compare grids at the same total thread count.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DistributedConvBench {
    /** Grid n x h x w (JMH splits parameter values at commas, so x separates the parts). */
    @Param({"1x1x1", "1x1x2", "1x2x2"})
    public String grid;

    /** Backend threads per rank. */
    @Param({"1"})
    public int threadsPerRank;

    @Param({"ON", "OFF"})
    public OverlapMode overlap;

    /** Spatial size (square). */
    @Param({"512"})
    public int size;

    @Param({"16"})
    public int channels;

    private RankGroup fwd;
    private RankGroup bwdData;
    private RankGroup bwdFilter;

    @Setup(Level.Trial)
    public void setUp() {
        ProcessGrid g = ProcessGrid.parse(grid.replace('x', ','));
        ConvGeometry geo = ConvGeometry.square(3, 1, 1, 1, 1);
        Shape x = Shape.nchw(1, channels, size, size);
        Shape w = geo.weightShape(channels, channels);
        fwd = LayerRanks.group(g, geo, x, w, overlap, threadsPerRank, LayerRanks.Pass.FORWARD);
        bwdData = LayerRanks.group(g, geo, x, w, overlap, threadsPerRank, LayerRanks.Pass.BACKWARD_DATA);
        bwdFilter = LayerRanks.group(g, geo, x, w, overlap, threadsPerRank, LayerRanks.Pass.BACKWARD_FILTER);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        fwd.close();
        bwdData.close();
        bwdFilter.close();
    }

    @Benchmark
    public void forward(Blackhole bh) {
        fwd.round();
        bh.consume(fwd);
    }

    @Benchmark
    public void backwardData(Blackhole bh) {
        bwdData.round();
        bh.consume(bwdData);
    }

    @Benchmark
    public void backwardFilter(Blackhole bh) {
        bwdFilter.round();
        bh.consume(bwdFilter);
    }
}
