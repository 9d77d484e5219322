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
import org.spatialconv.decomposition.exchange.Block;
import org.spatialconv.decomposition.exchange.ExchangeMode;
import org.spatialconv.decomposition.exchange.RegionExchange;
import org.spatialconv.decomposition.grid.ConvHalo;
import org.spatialconv.decomposition.grid.Distribution;
import org.spatialconv.decomposition.grid.ProcessGrid;
import org.spatialconv.decomposition.grid.Region;

/**
 * Region exchange between in-JVM ranks: a 3x3 halo exchange of a 1 x C x 256 x width tensor (bytes grow with
 * width; {@code bytesPerRank} is in the output as a secondary metric via the parameters) and a shuffle that
 * moves the whole tensor from a row split to a column split. One invocation = one exchange on all ranks.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ExchangeBench {
    /** Grid n x h x w (JMH splits parameter values at commas, so x separates the parts). */
    @Param({"1x2x1", "1x2x2"})
    public String grid;

    /** Tensor width: the halo row length, so halo bytes scale with it. */
    @Param({"256", "4096", "65536"})
    public int width;

    /** Channels. */
    @Param({"16"})
    public int channels;

    private static final int HEIGHT = 64;
    private RankGroup halo;
    private RankGroup shuffle;

    @Setup(Level.Trial)
    public void setUp() {
        ProcessGrid g = ProcessGrid.parse(grid.replace('x', ','));
        Shape x = Shape.nchw(1, channels, HEIGHT, width);
        ConvGeometry geo = ConvGeometry.square(3, 1, 1, 1, 1);
        Distribution d = new Distribution(g, x.dims());
        Region[] own = d.owns();
        Region[] need = new Region[own.length];
        for (int r = 0; r < own.length; r++) {
            need[r] = ConvHalo.need(geo, x, own[r]);
        }
        RegionExchange haloPlan = new RegionExchange(own, need);
        halo = new RankGroup(g.size(), comm -> {
            Block b = Block.allocate(own[comm.rank()].hull(need[comm.rank()]));
            return () -> haloPlan.run(comm, b, b, ExchangeMode.COPY);
        });
        Region[] cols = new Distribution(new ProcessGrid(1, 1, 1, g.size()), x.dims()).owns();
        RegionExchange shufflePlan = new RegionExchange(own, cols);
        shuffle = new RankGroup(g.size(), comm -> {
            Block src = Block.allocate(own[comm.rank()]);
            Block dst = Block.allocate(cols[comm.rank()]);
            return () -> shufflePlan.run(comm, src, dst, ExchangeMode.COPY);
        });
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        halo.close();
        shuffle.close();
    }

    /** One 3x3 halo exchange (rows and, for 2-D grids, columns and corners). */
    @Benchmark
    public void haloExchange(Blackhole bh) {
        halo.round();
        bh.consume(halo);
    }

    /** Row split to column split of the whole tensor. */
    @Benchmark
    public void shuffleRowsToColumns(Blackhole bh) {
        shuffle.round();
        bh.consume(shuffle);
    }
}
