package org.spatialconv.mpj.launch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Command-line front end of {@link MpjLauncher}:
 * {@code MpjRun --ranks R [--machines FILE] [--timeout-ms T] [--fail-timeout-ms T] [--port P] [--jvm OPT]...
 * TASKCLASS [ARGS...]}. Exits 0 when every rank succeeded, 1 with one line naming the failed rank otherwise,
 * 2 on bad arguments.
 */
public final class MpjRun {
    private MpjRun() {
    }

    /** Parses the options, launches, and exits with the job's status. */
    public static void main(String[] args) {
        int code;
        try {
            MpjLauncher.run(parse(args));
            code = 0;
        } catch (IllegalArgumentException e) {
            System.err.println("mpjrun: " + e.getMessage());
            code = 2;
        } catch (LaunchException e) {
            System.err.println("mpjrun: " + e.getMessage());
            code = 1;
        }
        System.exit(code);
    }

    static LaunchConfig parse(String[] args) {
        int ranks = -1;
        Path machines = null;
        Duration comm = LaunchConfig.DEFAULT_COMM_TIMEOUT;
        Duration fail = LaunchConfig.DEFAULT_FAIL_TIMEOUT;
        int port = 0;
        List<String> jvm = new ArrayList<>(List.of("-Xss4m"));
        int i = 0;
        try {
            for (; i < args.length && args[i].startsWith("--"); i += 2) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value for " + args[i]);
                }
                String v = args[i + 1];
                switch (args[i]) {
                    case "--ranks" -> ranks = Integer.parseInt(v);
                    case "--machines" -> machines = Path.of(v);
                    case "--timeout-ms" -> comm = Duration.ofMillis(Long.parseLong(v));
                    case "--fail-timeout-ms" -> fail = Duration.ofMillis(Long.parseLong(v));
                    case "--port" -> port = Integer.parseInt(v);
                    case "--jvm" -> jvm.add(v);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad number for " + args[i] + ": " + e.getMessage());
        }
        if (ranks < 1 || i >= args.length) {
            throw new IllegalArgumentException("usage: MpjRun --ranks R [--machines FILE] [--timeout-ms T] "
                    + "[--fail-timeout-ms T] [--port P] [--jvm OPT]... TASKCLASS [ARGS...]");
        }
        LaunchConfig c = new LaunchConfig(ranks, args[i], List.of(args).subList(i + 1, args.length), List.of(),
                comm, fail, Duration.ofSeconds(20), Duration.ofSeconds(60), jvm, port,
                List.of("ssh", "-o", "BatchMode=yes", "{host}"), null, MpjInstall.detect());
        return machines == null ? c : c.withMachines(Machines.parse(machines));
    }
}
