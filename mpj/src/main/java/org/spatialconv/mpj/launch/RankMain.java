package org.spatialconv.mpj.launch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.spatialconv.decomposition.comm.CommunicationException;
import org.spatialconv.mpj.MpjCommunicator;

/**
 * Entry point of one rank process. Started by {@link MpjLauncher} as
 * {@code RankMain --rank R --size N --rendezvous HOST:PORT --control HOST:PORT --timeout-ms T --heartbeat-ms H
 * TASKCLASS [ARGS...]}; also runs under MPJ's own {@code mpjrun}, which passes {@code RANK CONF DEVICE} first
 * (then there is no launcher control channel and the timeout comes from {@code -Dspatialconv.mpj.timeoutMs}).
 *
 * <p>With a launcher the rank keeps a control connection open: it sends heartbeats, reports success or its
 * failure cause, obeys an abort, and exits at once when the connection drops, so a killed launcher leaves no
 * orphaned ranks behind.
 */
public final class RankMain {
    /** Exit status of a rank whose task failed or that was aborted. */
    public static final int EXIT_FAILED = 1;
    /** Exit status of a rank that lost its launcher. */
    public static final int EXIT_LAUNCHER_LOST = 3;
    private static final long ABORT_GRACE_MS = 3_000;

    private RankMain() {
    }

    /** Runs one rank and exits the JVM with its status. */
    public static void main(String[] args) {
        if (args.length >= 4 && !args[0].startsWith("--")) {
            // Under mpjrun the multicore device runs every rank as a thread of one JVM: never halt it; MPJ's
            // runtime reports a rank that throws.
            Duration t = Duration.ofMillis(Long.getLong("spatialconv.mpj.timeoutMs", 60_000L));
            int code = runTask(Arrays.copyOf(args, 3), t, args[3], List.of(args).subList(4, args.length), null);
            if (code != 0) {
                throw new IllegalStateException("rank " + args[0] + " failed (see above)");
            }
            return;
        }
        int code;
        try {
            code = run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("rank: bad arguments: " + e.getMessage());
            code = 2;
        }
        exit(code);
    }

    private static int run(String[] args) throws IllegalArgumentException {
        int rank = -1;
        int size = -1;
        String rendezvous = null;
        String control = null;
        long timeoutMs = 30_000;
        long heartbeatMs = 1_000;
        int i = 0;
        for (; i < args.length && args[i].startsWith("--"); i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value for " + args[i]);
            }
            String v = args[i + 1];
            switch (args[i]) {
                case "--rank" -> rank = Integer.parseInt(v);
                case "--size" -> size = Integer.parseInt(v);
                case "--rendezvous" -> rendezvous = v;
                case "--control" -> control = v;
                case "--timeout-ms" -> timeoutMs = Long.parseLong(v);
                case "--heartbeat-ms" -> heartbeatMs = Long.parseLong(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (rank < 0 || size < 1 || rank >= size || rendezvous == null || i >= args.length) {
            throw new IllegalArgumentException("need --rank, --size, --rendezvous and a task class");
        }
        HostPort rv = HostPort.parse(rendezvous);
        String conf = "#Number of Processes;" + size + ";#Protocol Switch Limit;131072;#Server Name;" + rv.host()
                + ";#Server Port;" + rv.port();
        ControlLink link = control == null ? null : ControlLink.connect(HostPort.parse(control), rank, heartbeatMs);
        String[] mpjArgs = {Integer.toString(rank), conf, "niodev"};
        return runTask(mpjArgs, Duration.ofMillis(timeoutMs), args[i], List.of(args).subList(i + 1, args.length),
                link);
    }

    private static int runTask(String[] mpjArgs, Duration timeout, String taskClass, List<String> taskArgs,
                               ControlLink link) {
        MpjCommunicator world;
        try {
            world = MpjCommunicator.initWorld(mpjArgs, timeout);
        } catch (RuntimeException e) {
            report(link, "FAIL", "MPJ start-up failed: " + MpjCommunicator.describe(e));
            e.printStackTrace();
            return EXIT_FAILED;
        }
        if (link != null) {
            link.onAbort(msg -> world.failLocally("aborted by the launcher: " + msg));
        }
        try {
            RankTask task = (RankTask) Class.forName(taskClass).getDeclaredConstructor().newInstance();
            task.run(world, new ArrayList<>(taskArgs));
            world.close();
            report(link, "DONE", "");
            return 0;
        } catch (Throwable e) {
            String cause = MpjCommunicator.describe(e);
            boolean elsewhere = world.failedElsewhere() && e instanceof CommunicationException;
            // Report to the launcher before telling peers, so the launcher sees the root cause first. A transport
            // error (a closed socket) is usually the symptom of a peer that died, so it is reported apart.
            report(link, elsewhere ? "PEERFAIL" : transportError(e) ? "LOST" : "FAIL", cause);
            if (!elsewhere) {
                world.abort(e);
            }
            System.err.println("rank " + world.rank() + " failed: " + cause);
            e.printStackTrace();
            return EXIT_FAILED;
        }
    }

    private static boolean transportError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String name = t.getClass().getName();
            if (t instanceof IOException || name.startsWith("xdev.") || name.startsWith("mpjdev.")
                    || name.startsWith("mpi.")) {
                return true;
            }
        }
        return false;
    }

    private static void report(ControlLink link, String kind, String msg) {
        if (link != null) {
            link.send(kind + " " + msg.replace('\n', ' '));
        }
    }

    private static void exit(int code) {
        System.out.flush();
        System.err.flush();
        // MPJ's device threads are not daemons; halt so a stuck one cannot keep the process alive.
        Runtime.getRuntime().halt(code);
    }

    /** host:port. */
    record HostPort(String host, int port) {
        static HostPort parse(String s) {
            int c = s.lastIndexOf(':');
            if (c <= 0) {
                throw new IllegalArgumentException("expected HOST:PORT, got '" + s + "'");
            }
            return new HostPort(s.substring(0, c), Integer.parseInt(s.substring(c + 1)));
        }
    }

    /** The rank's end of the launcher control connection. */
    static final class ControlLink {
        private final Socket socket;
        private final PrintWriter out;
        private volatile java.util.function.Consumer<String> abortHandler = m -> { };

        private ControlLink(Socket socket) throws IOException {
            this.socket = socket;
            Writer w = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8);
            this.out = new PrintWriter(w, true);
        }

        static ControlLink connect(HostPort hp, int rank, long heartbeatMs) {
            try {
                Socket s = new Socket();
                s.connect(new InetSocketAddress(hp.host(), hp.port()), 10_000);
                s.setTcpNoDelay(true);
                ControlLink link = new ControlLink(s);
                link.send("HELLO " + rank + " " + ProcessHandle.current().pid());
                link.startThreads(heartbeatMs);
                return link;
            } catch (IOException e) {
                System.err.println("rank " + rank + ": cannot reach the launcher at " + hp + ": " + e);
                exit(EXIT_LAUNCHER_LOST);
                throw new IllegalStateException(e);
            }
        }

        void onAbort(java.util.function.Consumer<String> handler) {
            abortHandler = handler;
        }

        synchronized void send(String line) {
            out.println(line);
        }

        private void startThreads(long heartbeatMs) {
            Thread hb = new Thread(() -> {
                while (true) {
                    send("HB");
                    try {
                        Thread.sleep(heartbeatMs);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "mpj-heartbeat");
            hb.setDaemon(true);
            hb.start();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.startsWith("ABORT")) {
                            abortHandler.accept(line.substring(5).trim());
                            // The task may be computing, not waiting: leave it a moment to fail on its own.
                            Thread killer = new Thread(() -> {
                                try {
                                    Thread.sleep(ABORT_GRACE_MS);
                                } catch (InterruptedException ignored) {
                                    // exit anyway
                                }
                                System.err.println("rank aborted by the launcher");
                                exit(EXIT_FAILED);
                            }, "mpj-abort");
                            killer.setDaemon(true);
                            killer.start();
                        }
                    }
                } catch (IOException e) {
                    // fall through: the launcher is gone
                }
                System.err.println("rank: lost the launcher connection; exiting");
                exit(EXIT_LAUNCHER_LOST);
            }, "mpj-control");
            reader.setDaemon(true);
            reader.start();
        }
    }
}
