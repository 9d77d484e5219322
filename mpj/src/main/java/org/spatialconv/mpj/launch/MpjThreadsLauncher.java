package org.spatialconv.mpj.launch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.spatialconv.decomposition.comm.CommunicationException;
import org.spatialconv.decomposition.comm.Communicator;
import org.spatialconv.decomposition.comm.RankBody;
import org.spatialconv.decomposition.comm.RankFailedException;
import org.spatialconv.decomposition.comm.RankLauncher;
import org.spatialconv.mpj.MpjCommunicator;

/**
 * Runs ranks as threads of this JVM, each over MPJ Express's niodev device on loopback. MPJ keeps its state in
 * static fields, so every rank loads MPJ (and this module's communicator) in a class loader of its own; the
 * {@link Communicator} interface and the rank body stay shared with the caller. The whole transport (sockets,
 * protocol, timeouts, aborts) is the one used across processes, which makes this the launcher the communicator
 * contract test runs against.
 */
public final class MpjThreadsLauncher implements RankLauncher {
    private static final String[] ISOLATED = {"mpi.", "mpjdev.", "mpjbuf.", "xdev.", "org.apache.log4j.",
        "org.spatialconv.mpj."};

    private final URL[] urls;

    /** A launcher using the MPJ Express found by {@link MpjInstall#detect()}. */
    public MpjThreadsLauncher() {
        this(MpjInstall.detect());
    }

    /** A launcher using {@code install}. */
    public MpjThreadsLauncher(MpjInstall install) {
        List<URL> u = new ArrayList<>();
        try {
            u.add(MpjCommunicator.class.getProtectionDomain().getCodeSource().getLocation());
            for (Path p : install.classpath()) {
                u.add(p.toUri().toURL());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.urls = u.toArray(URL[]::new);
    }

    @Override
    public <T> List<T> run(int ranks, Duration timeout, RankBody<T> body) {
        if (ranks < 1) {
            throw new IllegalArgumentException("need at least one rank, got " + ranks);
        }
        AtomicReference<RankFailedException> first = new AtomicReference<>();
        BiConsumer<Integer, Throwable> onFailure = (rank, cause) ->
                first.compareAndSet(null, new RankFailedException(rank, cause));
        Object[] results = new Object[ranks];
        Thread[] threads = new Thread[ranks];
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            Rendezvous rendezvous = new Rendezvous(server, ranks);
            Thread rv = new Thread(() -> {
                try {
                    rendezvous.serve();
                } catch (IOException e) {
                    onFailure.accept(-1, new CommunicationException("MPJ start-up exchange failed", e));
                }
            }, "mpj-rendezvous");
            rv.setDaemon(true);
            rv.start();
            String conf = "#Number of Processes;" + ranks + ";#Protocol Switch Limit;131072;#Server Name;"
                    + InetAddress.getLoopbackAddress().getHostAddress() + ";#Server Port;" + server.getLocalPort();
            for (int r = 0; r < ranks; r++) {
                final int rank = r;
                threads[r] = new Thread(() -> runRank(rank, conf, timeout, body, results, onFailure),
                        "mpj-rank-" + r);
                threads[r].setDaemon(true);
                threads[r].start();
            }
            for (Thread t : threads) {
                t.join();
            }
        } catch (IOException e) {
            throw new CommunicationException("cannot open the MPJ rendezvous socket: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommunicationException("interrupted while waiting for ranks", e);
        }
        if (first.get() != null) {
            throw first.get();
        }
        List<T> out = new ArrayList<>(ranks);
        for (Object o : results) {
            @SuppressWarnings("unchecked")
            T t = (T) o;
            out.add(t);
        }
        return out;
    }

    private <T> void runRank(int rank, String conf, Duration timeout, RankBody<T> body, Object[] results,
                             BiConsumer<Integer, Throwable> onFailure) {
        Communicator comm;
        try {
            ClassLoader loader = new IsolatingLoader(urls, MpjThreadsLauncher.class.getClassLoader());
            Class<?> c = Class.forName(MpjCommunicator.class.getName(), true, loader);
            Method init = c.getMethod("initWorld", String[].class, Duration.class, BiConsumer.class);
            comm = (Communicator) init.invoke(null, new String[] {Integer.toString(rank), conf, "niodev"}, timeout,
                    onFailure);
        } catch (InvocationTargetException e) {
            onFailure.accept(rank, e.getCause());
            return;
        } catch (ReflectiveOperationException | RuntimeException e) {
            onFailure.accept(rank, e);
            return;
        }
        try {
            results[rank] = body.run(comm);
            comm.close();
        } catch (Throwable t) {
            // Record before telling peers, so the first failure named is the root one, not an echo.
            onFailure.accept(rank, t);
            comm.abort(t);
            try {
                comm.close(); // releases MPJ's threads and sockets when it can, bounded
            } catch (RuntimeException ignored) {
                // cleanup after a failure already recorded
            }
        }
    }

    /** Loads MPJ and this module child-first, everything else (the SPI, the JDK) from the parent. */
    private static final class IsolatingLoader extends URLClassLoader {
        IsolatingLoader(URL[] urls, ClassLoader parent) {
            super(urls, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null && isolated(name)) {
                    try {
                        c = findClass(name);
                    } catch (ClassNotFoundException e) {
                        c = null;
                    }
                }
                if (c == null) {
                    return super.loadClass(name, resolve);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }

        private static boolean isolated(String name) {
            for (String p : ISOLATED) {
                if (name.startsWith(p)) {
                    return true;
                }
            }
            return false;
        }
    }
}
