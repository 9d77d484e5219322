package org.spatialconv.mpj.launch;

import java.io.File;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Starts {@link LaunchConfig#ranks()} JVMs running {@link RankMain} with MPJ Express's niodev device and returns
 * a {@link Launch} that supervises them. The launcher serves niodev's start-up port exchange itself (see
 * {@link Rendezvous}), so no MPJ daemon is needed; ranks on other hosts are started through the configured
 * remote shell.
 */
public final class MpjLauncher {
    private MpjLauncher() {
    }

    /** Launches and waits: returns normally when every rank exited 0, else throws {@link LaunchException}. */
    public static void run(LaunchConfig config) {
        run(config, stdout(), stderr());
    }

    /** As {@link #run(LaunchConfig)}, with the ranks' output lines forwarded to {@code out} and {@code err}. */
    public static void run(LaunchConfig config, PrintWriter out, PrintWriter err) {
        try (Launch launch = start(config, out, err)) {
            launch.await();
        }
    }

    /** As {@link #start(LaunchConfig, PrintWriter, PrintWriter)} with this JVM's standard streams. */
    public static Launch start(LaunchConfig config) {
        return start(config, stdout(), stderr());
    }

    private static PrintWriter stdout() {
        return new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
    }

    private static PrintWriter stderr() {
        return new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    }

    /**
     * Starts the ranks, forwarding rank 0's standard output to {@code out} as it is and every other line,
     * prefixed with its rank, to {@code out} or {@code err}. The caller must {@link Launch#await()} or
     * {@link Launch#close()} the result.
     *
     * @throws LaunchException when a port is already in use or a process cannot be started
     */
    public static Launch start(LaunchConfig config, PrintWriter out, PrintWriter err) {
        boolean allLocal = config.hosts().stream().allMatch(MpjLauncher::isLocal);
        String bind = config.bindHost() != null ? config.bindHost() : allLocal ? "127.0.0.1" : localName();
        ServerSocket rvSocket = bind(allLocal ? bind : null, config.rendezvousPort(), "MPJ rendezvous");
        ServerSocket ctlSocket;
        try {
            ctlSocket = bind(allLocal ? bind : null, 0, "launcher control");
        } catch (LaunchException e) {
            closeQuietly(rvSocket);
            throw e;
        }
        Rendezvous rendezvous = new Rendezvous(rvSocket, config.ranks());
        Launch launch = new Launch(config, rendezvous, ctlSocket, out, err);
        try {
            for (int r = 0; r < config.ranks(); r++) {
                String host = config.hosts().isEmpty() ? "localhost" : config.hosts().get(r);
                List<String> cmd = rankCommand(config, r, bind, rvSocket.getLocalPort(), ctlSocket.getLocalPort());
                if (!isLocal(host)) {
                    cmd = remote(config.remoteShell(), host, cmd);
                }
                ProcessBuilder pb = new ProcessBuilder(cmd);
                pb.environment().put("MPJ_HOME", config.install().home().toString());
                launch.addRank(r, host, pb.start());
            }
        } catch (IOException | RuntimeException e) {
            launch.close();
            throw new LaunchException("cannot start rank processes: " + e.getMessage(), e);
        }
        launch.started();
        return launch;
    }

    static List<String> rankCommand(LaunchConfig c, int rank, String host, int rvPort, int ctlPort) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(c.jvmArgs());
        cmd.add("-cp");
        cmd.add(classpath(c.install()));
        cmd.add(RankMain.class.getName());
        cmd.addAll(List.of("--rank", Integer.toString(rank), "--size", Integer.toString(c.ranks()),
                "--rendezvous", host + ":" + rvPort, "--control", host + ":" + ctlPort,
                "--timeout-ms", Long.toString(c.commTimeout().toMillis()),
                "--heartbeat-ms", Long.toString(Math.max(100, c.heartbeatTimeout().toMillis() / 5))));
        cmd.add(c.taskClass());
        cmd.addAll(c.taskArgs());
        return cmd;
    }

    /** This JVM's class path plus MPJ's jars: ranks run the same code as the launcher. */
    static String classpath(MpjInstall install) {
        Set<String> entries = new LinkedHashSet<>(List.of(System.getProperty("java.class.path")
                .split(File.pathSeparator)));
        for (Path p : install.classpath()) {
            entries.add(p.toString());
        }
        entries.remove("");
        return String.join(File.pathSeparator, entries);
    }

    private static List<String> remote(List<String> shell, String host, List<String> cmd) {
        List<String> out = new ArrayList<>();
        boolean placed = false;
        for (String s : shell) {
            placed |= s.contains("{host}");
            out.add(s.replace("{host}", host));
        }
        if (!placed) {
            out.add(host);
        }
        StringBuilder line = new StringBuilder("exec");
        for (String a : cmd) {
            line.append(" '").append(a.replace("'", "'\\''")).append('\'');
        }
        out.add(line.toString());
        return out;
    }

    static boolean isLocal(String host) {
        return host.equals("localhost") || host.equals("127.0.0.1") || host.equals("::1")
                || host.equals(localName());
    }

    private static String localName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private static ServerSocket bind(String host, int port, String what) {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(false);
            try {
                s.bind(host == null ? new InetSocketAddress(port) : new InetSocketAddress(host, port), 64);
            } catch (IOException e) {
                s.close();
                throw e;
            }
            return s;
        } catch (BindException e) {
            throw new LaunchException(what + " port " + port + " is already in use (" + e.getMessage()
                    + "); free it or choose another port (0 picks a free one)", e);
        } catch (IOException e) {
            throw new LaunchException("cannot open the " + what + " socket on port " + port + ": " + e, e);
        }
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // shutting down
        }
    }
}
