package org.spatialconv.conv.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The command line the GPU benchmarks share: {@code [--json FILE] [--iterations I] [--warmup W] [--device D]
 * [--shape N,C,H,W,K,R]... [--pack N,C,H,W]}, and their exit codes (2 on bad arguments, 3 when no GPU is usable).
 *
 * @param json       where to write the JSON result, or null
 * @param iterations timed iterations (at least 1)
 * @param warmup     untimed iterations first
 * @param device     CUDA device ordinal
 * @param shapes     problems as N,C,H,W,K,R
 * @param pack       the tensor whose interior (a 1-element border off H and W) the pack/unpack benchmark moves
 * @param probe      the CUDA probe (available)
 */
public record BenchmarkArgs(Path json, int iterations, int warmup, int device, List<int[]> shapes, int[] pack,
        CudaProbe probe) {
    /** The pack/unpack benchmark's tensor unless {@code --pack} says otherwise. */
    public static final int[] DEFAULT_PACK = {4, 64, 512, 512};

    /**
     * Parses {@code args}; on bad arguments prints {@code tool: reason} and exits 2, without a usable GPU prints the
     * reason and exits 3.
     */
    public static BenchmarkArgs parseOrExit(String tool, String[] args, int iterations, int warmup,
            int[][] defaultShapes) {
        Path json = null;
        int device = 0;
        List<int[]> shapes = new ArrayList<>();
        int[] pack = DEFAULT_PACK.clone();
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--json" -> json = Path.of(args[++i]);
                    case "--iterations" -> iterations = Integer.parseInt(args[++i]);
                    case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                    case "--device" -> device = Integer.parseInt(args[++i]);
                    case "--shape" -> shapes.add(ints(args[++i]));
                    case "--pack" -> pack = ints(args[++i]);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]
                            + " (options: --json FILE --iterations I --warmup W --device D --shape N,C,H,W,K,R"
                            + " --pack N,C,H,W)");
                }
            }
            if (iterations < 1 || warmup < 0 || shapes.stream().anyMatch(s -> s.length != 6 || !positive(s))) {
                throw new IllegalArgumentException("need --iterations >= 1, --warmup >= 0, --shape N,C,H,W,K,R (all >= 1)");
            }
            if (pack.length != 4 || !positive(pack) || pack[2] < 3 || pack[3] < 3) {
                throw new IllegalArgumentException("need --pack N,C,H,W with N, C >= 1 and H, W >= 3, got "
                        + Arrays.toString(pack));
            }
        } catch (RuntimeException e) {
            System.err.println(tool + ": " + e.getMessage());
            System.exit(2);
            return null;
        }
        if (shapes.isEmpty()) {
            shapes.addAll(Arrays.asList(defaultShapes));
        }
        OptionalLibraries.report().forEach((k, v) -> System.err.println(tool + ": optional " + k + ": " + v));
        CudaProbe probe = CudaProbe.get();
        if (!probe.available()) {
            System.err.println(tool + ": no usable GPU: " + probe.reason());
            System.exit(3);
            return null;
        }
        return new BenchmarkArgs(json, iterations, warmup, device, List.copyOf(shapes), pack, probe);
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(v -> Integer.parseInt(v.trim())).toArray();
    }

    private static boolean positive(int[] v) {
        return Arrays.stream(v).allMatch(x -> x >= 1);
    }

    /** Writes {@code out} to {@link #json} (atomically) when set, and prints it. */
    public void emit(String out) throws IOException {
        if (json != null) {
            Path tmp = json.resolveSibling(json.getFileName() + ".tmp");
            Files.writeString(tmp, out, StandardCharsets.UTF_8);
            Files.move(tmp, json, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        System.out.println(out);
    }
}
