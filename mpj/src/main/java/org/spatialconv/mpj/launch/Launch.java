package org.spatialconv.mpj.launch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * A running job: the rank processes, their control connections and the supervision loop. {@link #await()} returns
 * when every rank exited 0; when any rank exits non-zero, reports a failure, stops heartbeating or does not start
 * in time, every other rank is told to abort and, after {@link LaunchConfig#failTimeout()}, killed together with
 * its descendants, and {@code await} throws a {@link LaunchException} naming the first failed rank and its cause.
 * {@link #close()} kills whatever still runs; a shutdown hook does the same if the launcher's JVM is stopped.
 */
public final class Launch implements AutoCloseable {
    private static final long POLL_MS = 20;
    private static final int STDERR_KEPT = 20;
    /** After the first sign of failure, how long to wait for the reports and exits that name its root. */
    private static final long ROOT_CAUSE_GRACE_MS = 500;

    private final LaunchConfig config;
    /** Where rank 0's standard output goes unprefixed, other ranks' prefixed with their rank. */
    private final PrintWriter out;
    /** Where every rank's standard error goes, prefixed with its rank. */
    private final PrintWriter err;
    private final Rendezvous rendezvous;
    private final ServerSocket control;
    private final Rank[] ranks;
    private final Thread hook = new Thread(this::killAll, "mpj-launch-shutdown");
    private final List<Thread> threads = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();
    private volatile String setupError;
    private long startNanos;

    Launch(LaunchConfig config, Rendezvous rendezvous, ServerSocket control, PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
        this.config = config;
        this.rendezvous = rendezvous;
        this.control = control;
        this.ranks = new Rank[config.ranks()];
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Process ids of the rank processes (the remote shells for ranks on other hosts), in rank order. */
    public List<Long> pids() {
        List<Long> out = new ArrayList<>();
        for (Rank r : ranks) {
            out.add(r.process.pid());
        }
        return out;
    }

    /** The process of one rank (tests kill it to simulate a crash). */
    public Process process(int rank) {
        return ranks[rank].process;
    }

    void addRank(int rank, String host, Process p) {
        Rank r = new Rank(rank, host, p);
        ranks[rank] = r;
        daemon("mpj-out-" + rank, () -> pump(p.getInputStream(), out, rank == 0 ? "" : "[rank " + rank + "] ",
                null));
        daemon("mpj-err-" + rank, () -> pump(p.getErrorStream(), err, "[rank " + rank + "] ", r.stderr));
    }

    void started() {
        startNanos = System.nanoTime();
        daemon("mpj-rendezvous", () -> {
            try {
                rendezvous.serve();
            } catch (IOException e) {
                if (!control.isClosed()) {
                    setupError = "MPJ start-up exchange failed: " + e.getMessage();
                }
            }
        });
        daemon("mpj-control-accept", this::acceptControl);
    }

    /**
     * Supervises until every rank has exited.
     *
     * @throws LaunchException naming the first failed rank and its cause
     */
    public void await() {
        try {
            String failure = null;
            while (failure == null) {
                failure = firstFailure();
                if (failure == null && allExited()) {
                    return;
                }
                if (failure == null) {
                    sleep(POLL_MS);
                }
            }
            // Let the failing rank's own report (its exception), or its exit, arrive before naming the cause.
            sleep(ROOT_CAUSE_GRACE_MS);
            String root = rootCause();
            String message = root != null ? root : failure;
            abortAll(message);
            throw new LaunchException(message);
        } finally {
            close();
        }
    }

    private String firstFailure() {
        if (setupError != null) {
            return setupError;
        }
        long now = System.nanoTime();
        boolean allHello = true;
        for (Rank r : ranks) {
            if (r.failReport != null) {
                return r.describe(r.failReport);
            }
            if (!r.process.isAlive() && r.process.exitValue() != 0) {
                return exitFailure(r);
            }
            if (r.process.isAlive() && r.hello && now - r.lastBeat > config.heartbeatTimeout().toNanos()) {
                return r.describe("stopped responding: no heartbeat for " + config.heartbeatTimeout().toSeconds()
                        + " s");
            }
            allHello &= r.hello || !r.process.isAlive();
        }
        if (!allHello && now - startNanos > config.startupTimeout().toNanos()) {
            for (Rank r : ranks) {
                if (!r.hello) {
                    return r.describe("did not start within " + config.startupTimeout().toSeconds() + " s");
                }
            }
        }
        return null;
    }

    /**
     * Names the root failure: the earliest failure a rank reported about itself (its own exception or timeout);
     * else a rank that died without reporting (crash, kill), since the transport errors its peers then see are
     * symptoms; else the earliest transport error. Ranks that only echo a peer's abort (PEERFAIL) never count.
     */
    private String rootCause() {
        Rank first = earliest(false);
        if (first != null) {
            return first.describe(first.failReport);
        }
        for (Rank r : ranks) {
            if (r.failReport == null && !r.process.isAlive() && r.process.exitValue() != 0) {
                return exitFailure(r);
            }
        }
        first = earliest(true);
        return first == null ? null : first.describe(first.failReport);
    }

    private Rank earliest(boolean transport) {
        Rank first = null;
        for (Rank r : ranks) {
            if (r.failReport != null && r.transport == transport && (first == null || r.failSeq < first.failSeq)) {
                first = r;
            }
        }
        return first;
    }

    private static String exitFailure(Rank r) {
        int code = r.process.exitValue();
        String how = code > 128 ? "was killed by signal " + (code - 128) : "exited with status " + code;
        String last = r.lastStderr();
        return r.describe(how + (last.isEmpty() ? "" : ": " + last));
    }

    private boolean allExited() {
        for (Rank r : ranks) {
            if (r.process.isAlive()) {
                return false;
            }
        }
        return true;
    }

    private void abortAll(String message) {
        for (Rank r : ranks) {
            r.send("ABORT " + message);
        }
        long deadline = System.nanoTime() + config.failTimeout().toNanos() / 2;
        while (!allExited() && System.nanoTime() < deadline) {
            sleep(POLL_MS);
        }
        for (Rank r : ranks) {
            if (r.process.isAlive()) {
                synchronized (err) {
                    err.println("[launcher] rank " + r.rank + " still running after abort; killing it");
                    err.flush();
                }
                r.process.descendants().forEach(ProcessHandle::destroy);
                r.process.destroy();
            }
        }
        deadline = System.nanoTime() + config.failTimeout().toNanos() / 4;
        while (!allExited() && System.nanoTime() < deadline) {
            sleep(POLL_MS);
        }
        killAll();
    }

    /** Kills every rank process and its descendants at once. */
    private void killAll() {
        for (Rank r : ranks) {
            if (r != null) {
                r.process.descendants().forEach(ProcessHandle::destroyForcibly);
                r.process.destroyForcibly();
            }
        }
    }

    @Override
    public void close() {
        killAll();
        for (Rank r : ranks) {
            if (r != null) {
                try {
                    r.process.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                r.closeLink();
            }
        }
        MpjLauncher.closeQuietly(control);
        MpjLauncher.closeQuietly(rendezvous);
        for (Thread t : threads) {
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook is running
        }
    }

    private void acceptControl() {
        while (!control.isClosed()) {
            try {
                Socket s = control.accept();
                s.setTcpNoDelay(true);
                Thread t = new Thread(() -> readControl(s), "mpj-control");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void readControl(Socket s) {
        Rank rank = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("HELLO ")) {
                    int r = Integer.parseInt(line.split(" ")[1]);
                    rank = ranks[r];
                    rank.attach(s);
                } else if (rank == null) {
                    return;
                } else if (line.equals("HB")) {
                    rank.lastBeat = System.nanoTime();
                } else if (line.startsWith("FAIL ") || line.startsWith("LOST ")) {
                    rank.failSeq = failures.incrementAndGet();
                    rank.transport = line.startsWith("LOST ");
                    rank.failReport = line.substring(5);
                }
                // PEERFAIL and DONE need no action: exit statuses and the root report decide.
            }
        } catch (IOException | RuntimeException e) {
            // connection dropped: the exit status tells what happened
        }
    }

    private void daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private static void pump(InputStream in, PrintWriter out, String prefix, Deque<String> keep) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (keep != null) {
                    synchronized (keep) {
                        keep.addLast(line);
                        if (keep.size() > STDERR_KEPT) {
                            keep.removeFirst();
                        }
                    }
                }
                synchronized (out) {
                    out.println(prefix + line);
                    out.flush();
                }
            }
        } catch (IOException ignored) {
            // process gone
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LaunchException("interrupted while supervising ranks", e);
        }
    }

    /** One rank process and what the launcher knows about it. */
    private static final class Rank {
        final int rank;
        final String host;
        final Process process;
        final Deque<String> stderr = new ArrayDeque<>();
        volatile boolean hello;
        volatile long lastBeat;
        volatile String failReport;
        volatile long failSeq;
        volatile boolean transport;
        private PrintWriter link;
        private Socket socket;

        Rank(int rank, String host, Process process) {
            this.rank = rank;
            this.host = host;
            this.process = process;
        }

        synchronized void attach(Socket s) throws IOException {
            socket = s;
            link = new PrintWriter(new java.io.OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8),
                    true);
            lastBeat = System.nanoTime();
            hello = true;
        }

        synchronized void send(String line) {
            if (link != null) {
                link.println(line);
            }
        }

        synchronized void closeLink() {
            if (socket != null) {
                MpjLauncher.closeQuietly(socket);
            }
        }

        String lastStderr() {
            synchronized (stderr) {
                Optional<String> last = stderr.stream().filter(l -> !l.isBlank() && !l.startsWith("\tat "))
                        .reduce((a, b) -> b);
                return last.orElse("");
            }
        }

        String describe(String cause) {
            return "rank " + rank + (MpjLauncher.isLocal(host) ? "" : " on " + host) + " failed: " + cause;
        }
    }
}
