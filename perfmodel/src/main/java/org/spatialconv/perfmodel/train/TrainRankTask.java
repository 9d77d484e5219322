package org.spatialconv.perfmodel.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.spatialconv.conv.io.AtomicFiles;
import org.spatialconv.decomposition.comm.Communicator;
import org.spatialconv.decomposition.net.CommExchange;
import org.spatialconv.mpj.launch.RankTask;
import org.spatialconv.perfmodel.zoo.ModelZoo;

/**
 * What each MPJ Express rank process of {@code spatialconv train --launch mpj} runs: the same training loop as
 * the in-JVM ranks over a {@link CommExchange}. Rank 0 writes the result as JSON to the file named by the last
 * argument, for the launching command to print.
 */
public final class TrainRankTask implements RankTask {
    /**
     * Arguments: model, H, W, batch, n, h, w, steps, seed, threads, optimizer, lr, sweeps, result file, overlap
     * ({@code on|off}), gradient bucket bytes (0: allreduce after backward), then {@code layer=n,h,w} per layer
     * with its own grid.
     */
    public static List<String> args(String model, TrainConfig c, Path result) {
        List<String> a = new ArrayList<>();
        for (Object o : new Object[] {model, c.height(), c.width(), c.batch(), c.grid()[0], c.grid()[1], c.grid()[2],
            c.steps(), c.seed(), c.threadsPerRank(), c.optimizer(), c.lr(), c.sweeps(), result,
            c.overlap() ? "on" : "off", c.gradientBucketBytes()}) {
            a.add(String.valueOf(o));
        }
        for (Map.Entry<String, int[]> e : c.layerGrids().entrySet()) {
            int[] g = e.getValue();
            a.add(e.getKey() + "=" + g[0] + "," + g[1] + "," + g[2]);
        }
        return a;
    }

    private static Map<String, int[]> layerGrids(List<String> entries) {
        Map<String, int[]> m = new LinkedHashMap<>();
        for (String e : entries) {
            int eq = e.lastIndexOf('=');
            String[] g = e.substring(eq + 1).split(",");
            m.put(e.substring(0, eq), new int[] {Integer.parseInt(g[0]), Integer.parseInt(g[1]), Integer.parseInt(g[2])});
        }
        return m;
    }

    @Override
    public void run(Communicator world, List<String> a) throws Exception {
        TrainConfig c = new TrainConfig(ModelZoo.resolve(a.get(0)), Integer.parseInt(a.get(1)),
                Integer.parseInt(a.get(2)), Integer.parseInt(a.get(3)),
                new int[] {Integer.parseInt(a.get(4)), Integer.parseInt(a.get(5)), Integer.parseInt(a.get(6))},
                Integer.parseInt(a.get(7)), Long.parseLong(a.get(8)), Integer.parseInt(a.get(9)), a.get(10),
                Double.parseDouble(a.get(11)), Integer.parseInt(a.get(12)), layerGrids(a.subList(16, a.size())),
                a.get(14).equals("on"), Long.parseLong(a.get(15)));
        TrainResult r;
        try (CommExchange ex = new CommExchange(world)) {
            r = Trainer.runRank(c, SpecConverter.convert(c.spec(), c.layerGrids()), ex, s -> { }, true);
        }
        if (world.rank() == 0) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("loss", r.loss());
            m.put("step_seconds", r.stepSeconds());
            m.put("samples_per_s", r.samplesPerS());
            m.put("peak_bytes_per_rank", r.peakBytesPerRank());
            byte[] bytes = new ObjectMapper().writeValueAsBytes(m);
            Path target = Path.of(a.get(13));
            AtomicFiles.commit(AtomicFiles.stage(target, p -> Files.write(p, bytes)), target);
        }
    }
}
