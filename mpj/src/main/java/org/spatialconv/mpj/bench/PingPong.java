package org.spatialconv.mpj.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.spatialconv.decomposition.comm.Communicator;
import org.spatialconv.decomposition.comm.RankLauncher;
import org.spatialconv.decomposition.comm.jvm.InJvmWorld;
import org.spatialconv.mpj.launch.LaunchConfig;
import org.spatialconv.mpj.launch.MpjLauncher;
import org.spatialconv.mpj.launch.MpjThreadsLauncher;
import org.spatialconv.mpj.launch.RankTask;

/**
 * Point-to-point latency and bandwidth between two ranks: rank 0 sends {@code n} floats, rank 1 sends them back;
 * one-way time is half the median round trip. Runs on in-JVM ranks, MPJ ranks as threads (niodev on loopback),
 * or two MPJ processes: {@code PingPong jvm|mpj-threads|mpj-processes [ITERATIONS]}.
 */
public final class PingPong implements RankTask {
    /** Message sizes in floats: 1 float (latency) up to 16 Mi floats (64 MiB). */
    static final int[] SIZES = {1, 256, 4_096, 65_536, 1 << 20, 1 << 22, 1 << 24};

    /** Public for the launcher, which instantiates rank tasks by class name. */
    public PingPong() {
    }

    /** Runs the measurement in the mode named by {@code args[0]} and prints one table row per size. */
    public static void main(String[] args) {
        String mode = args.length > 0 ? args[0] : "jvm";
        int iters = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        Duration timeout = Duration.ofSeconds(60);
        switch (mode) {
            case "jvm" -> print(mode, run(InJvmWorld.INSTANCE, timeout, iters));
            case "mpj-threads" -> print(mode, run(new MpjThreadsLauncher(), timeout, iters));
            case "mpj-processes" -> MpjLauncher.run(LaunchConfig.local(2, PingPong.class, List.of(
                    Integer.toString(iters))).withJvmArgs(List.of("-Xmx1g")));
            default -> throw new IllegalArgumentException("mode must be jvm, mpj-threads or mpj-processes");
        }
        System.exit(0);
    }

    private static List<String> run(RankLauncher launcher, Duration timeout, int iters) {
        return launcher.run(2, timeout, comm -> measure(comm, iters)).get(0);
    }

    @Override
    public void run(Communicator world, List<String> args) {
        List<String> rows = measure(world, Integer.parseInt(args.get(0)));
        if (world.rank() == 0) {
            print("mpj-processes", rows);
        }
    }

    private static void print(String mode, List<String> rows) {
        System.out.println("mode=" + mode);
        System.out.println("floats      bytes        one-way(us)  bandwidth(MB/s)");
        rows.forEach(System.out::println);
    }

    /** Rank 0 returns one formatted row per size; rank 1 returns an empty list. */
    static List<String> measure(Communicator comm, int iters) {
        List<String> rows = new ArrayList<>();
        float[] buf = new float[SIZES[SIZES.length - 1]];
        for (int n : SIZES) {
            // Fewer repetitions for large messages keep the run short; the median hides stragglers.
            int reps = Math.max(5, Math.min(iters, (int) (iters * 4096L / Math.max(n, 4096))));
            int warm = Math.max(2, reps / 5);
            long[] rtt = new long[reps];
            for (int i = -warm; i < reps; i++) {
                long t0 = System.nanoTime();
                if (comm.rank() == 0) {
                    comm.send(buf, 0, n, 1, 1);
                    comm.recv(buf, 0, n, 1, 2);
                } else {
                    comm.recv(buf, 0, n, 0, 1);
                    comm.send(buf, 0, n, 0, 2);
                }
                if (i >= 0) {
                    rtt[i] = System.nanoTime() - t0;
                }
            }
            java.util.Arrays.sort(rtt);
            double oneWayUs = rtt[reps / 2] / 2e3;
            double mbps = 4.0 * n / (oneWayUs * 1e-6) / 1e6;
            rows.add(String.format(Locale.ROOT, "%-11d %-12d %-12.2f %.1f", n, 4L * n, oneWayUs, mbps));
        }
        return comm.rank() == 0 ? rows : List.of();
    }
}
