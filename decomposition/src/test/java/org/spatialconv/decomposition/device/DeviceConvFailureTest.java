package org.spatialconv.decomposition.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.device.DeviceEvent;
import org.spatialconv.conv.device.DeviceFloats;
import org.spatialconv.conv.device.DeviceRuntime;
import org.spatialconv.conv.device.DeviceStream;
import org.spatialconv.conv.device.EmulatedGpu;
import org.spatialconv.decomposition.comm.RankFailedException;
import org.spatialconv.decomposition.comm.jvm.InJvmWorld;
import org.spatialconv.decomposition.device.DeviceConvRunner.Inputs;
import org.spatialconv.decomposition.device.DeviceConvRunner.Result;
import org.spatialconv.decomposition.device.DeviceConvRunner.Transport;
import org.spatialconv.decomposition.grid.ProcessGrid;
import org.spatialconv.decomposition.layer.ConvCase;
import org.spatialconv.decomposition.layer.ConvPlan;
import org.spatialconv.decomposition.layer.OverlapMode;

/**
 * Failures on the emulated device: a rank whose kernel fails (when queued, or later on the device) fails every rank
 * promptly, well inside the waits' timeout, and every rank still frees every device resource; a transport that
 * drops an ordering wait is caught by the lazy schedule; bad arguments give one clear message.
 */
class DeviceConvFailureTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Far below {@link #WAIT}: failing through a timeout would take longer. */
    private static final Duration PROMPT = Duration.ofSeconds(10);
    private static final ConvCase CASE = new ConvCase(ConvGeometry.square(3, 1, 1, 1, 1), Shape.nchw(2, 2, 9, 8), 3);
    private static final ProcessGrid GRID = ProcessGrid.nhw(1, 2, 2);

    private final EmulatedGpu gpu = new EmulatedGpu(0, EmulatedGpu.Schedule.LAZY, WAIT);
    private final List<DeviceRuntime> created = new ArrayList<>();

    private IntFunction<DeviceRuntime> ranks(int faulty, EmulatedGpu.Fault fault) {
        return r -> {
            DeviceRuntime d = r == faulty ? gpu.newRank(fault) : gpu.newRank();
            synchronized (created) {
                created.add(d);
            }
            return d;
        };
    }

    @AfterEach
    void everyDeviceResourceWasFreed() {
        assertFalse(created.isEmpty());
        for (DeviceRuntime d : created) {
            assertEquals(0, d.openResources(), () -> d.description() + " leaked resources");
        }
    }

    private RankFailedException failingRun(Transport t, int faulty, EmulatedGpu.Fault fault) {
        DeviceConvRunner run = new DeviceConvRunner(new ConvPlan(GRID, CASE.g(), CASE.x(), CASE.w()),
                ranks(faulty, fault), t, OverlapMode.ON, WAIT);
        List<Inputs> in = DeviceConvContractTest.inputs(CASE, new Random(7));
        RankFailedException e = assertTimeoutPreemptively(PROMPT,
                () -> assertThrows(RankFailedException.class, () -> run.run(in)));
        assertFalse(mentions(e, "used after it was freed"), () -> "a rank freed memory still in use: " + trace(e));
        return e;
    }

    /** Whether {@code message} occurs in {@code t}, its causes or anything suppressed along them. */
    private static boolean mentions(Throwable t, String message) {
        return t != null && ((t.getMessage() != null && t.getMessage().contains(message))
                || mentions(t.getCause(), message)
                || java.util.Arrays.stream(t.getSuppressed()).anyMatch(x -> mentions(x, message)));
    }

    private static String trace(Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }

    private static boolean causedBy(Throwable t, String message) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && c.getMessage().contains(message)) {
                return true;
            }
        }
        return false;
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aKernelFailingOnTheDeviceFailsEveryRank(Transport t) {
        RankFailedException e = failingRun(t, 2, (op, running) -> {
            if (running && op.equals("convForward")) {
                throw new IllegalStateException("kernel failed on purpose");
            }
        });
        assertTrue(causedBy(e, "kernel failed on purpose"), e::toString);
        assertEquals(4, created.size());
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aLaunchFailingWhenQueuedFailsEveryRank(Transport t) {
        RankFailedException e = failingRun(t, 1, (op, running) -> {
            if (!running && op.equals("pack")) {
                throw new IllegalStateException("launch failed on purpose");
            }
        });
        assertEquals(1, e.rank());
        assertTrue(causedBy(e, "launch failed on purpose"), e::toString);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aRankWhoseDeviceCannotOpenFailsEveryRank(Transport t) {
        IntFunction<DeviceRuntime> ranks = ranks(-1, null);
        DeviceConvRunner run = new DeviceConvRunner(new ConvPlan(GRID, CASE.g(), CASE.x(), CASE.w()), r -> {
            if (r == 3) {
                throw new IllegalStateException("no device for rank 3");
            }
            return ranks.apply(r);
        }, t, OverlapMode.ON, WAIT);
        List<Inputs> in = DeviceConvContractTest.inputs(CASE, new Random(7));
        RankFailedException e = assertTimeoutPreemptively(PROMPT,
                () -> assertThrows(RankFailedException.class, () -> run.run(in)));
        assertEquals(3, e.rank());
        assertTrue(causedBy(e, "no device for rank 3"), e::toString);
    }

    /**
     * A receiver that fails after a sender queued a copy into its buffer (not yet run: the schedule is lazy) must not
     * free that buffer before the sender has drained its stream. The sender runs the copy only once the receiver has
     * freed, or after 500 ms: freeing first is a use after free every time, waiting for the sender never is.
     */
    @Test
    void aFailedReceiverFreesItsBufferOnlyAfterTheSenderDrained() throws Exception {
        PeerBoard board = new PeerBoard(2, WAIT);
        IntFunction<DeviceRuntime> ranks = ranks(-1, null);
        DeviceRuntime sender = ranks.apply(0);
        DeviceRuntime receiver = ranks.apply(1);
        DeviceFloats src = sender.allocate(100);
        DeviceFloats dst = receiver.allocate(100);
        DeviceStream sendStream = sender.createStream();
        DeviceStream receiveStream = receiver.createStream();
        DeviceTransport.Channel out = new PeerCopyTransport(board, 0, sender).open(0,
                List.of(new DeviceTransport.Link(1, src, 100)), List.of());
        DeviceTransport.Channel in = new PeerCopyTransport(board, 1, receiver).open(0, List.of(),
                List.of(new DeviceTransport.Link(0, dst, 100)));
        CountDownLatch queued = new CountDownLatch(1);
        CountDownLatch freed = new CountDownLatch(1);
        AtomicReference<Throwable> senderFailure = new AtomicReference<>();
        Thread rank0 = new Thread(() -> {
            try {
                out.post(sendStream);
                out.deliver(sendStream);
                queued.countDown();
                freed.await(500, TimeUnit.MILLISECONDS);
                sendStream.synchronize();
            } catch (Throwable e) {
                senderFailure.set(e);
            } finally {
                queued.countDown();
                out.close();
                sendStream.close();
                src.close();
            }
        });
        rank0.start();
        try {
            in.post(receiveStream);
            assertTrue(queued.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
            board.fail(1, new IllegalStateException("receiver failed on purpose"));
            receiveStream.synchronize();
            in.close();
            dst.close();
            freed.countDown();
        } finally {
            rank0.join();
            receiveStream.close();
            sender.close();
            receiver.close();
        }
        assertEquals(null, senderFailure.get(), () -> trace(senderFailure.get()));
    }

    /** A stream that ignores waits: the transport's arrival no longer orders the unpack after the copy. */
    private static final DeviceStream IGNORES_WAITS = new DeviceStream() {
        @Override
        public void waitFor(DeviceEvent event) {
        }

        @Override
        public void synchronize() {
        }

        @Override
        public void close() {
        }
    };

    /** {@code t} with every arrival's wait dropped. */
    private static DeviceTransport withoutArrivalWaits(DeviceTransport t) {
        return new DeviceTransport() {
            @Override
            public Channel open(int exchange, List<Link> sends, List<Link> receives) {
                Channel c = t.open(exchange, sends, receives);
                return new Channel() {
                    @Override
                    public void post(DeviceStream comm) {
                        c.post(comm);
                    }

                    @Override
                    public void deliver(DeviceStream comm) {
                        c.deliver(comm);
                    }

                    @Override
                    public void arrive(int i, DeviceStream comm) {
                        c.arrive(i, IGNORES_WAITS);
                    }

                    @Override
                    public void complete(DeviceStream comm) {
                        c.complete(comm);
                    }

                    @Override
                    public void close() {
                        c.close();
                    }
                };
            }

            @Override
            public void abort(Throwable cause) {
                t.abort(cause);
            }
        };
    }

    /** The lazy schedule catches a transport that does not make the unpack wait for the peer's copy. */
    @Test
    void aMissingWaitIsCaught() {
        ConvPlan plan = new ConvPlan(GRID, CASE.g(), CASE.x(), CASE.w());
        List<Inputs> in = DeviceConvContractTest.inputs(CASE, new Random(7));
        List<Result> want = new ArrayList<>();
        for (Inputs i : in) {
            want.add(DeviceConvContractTest.cpu(CASE, i));
        }
        List<Result> good = new DeviceConvRunner(plan, ranks(-1, null), Transport.PEER_COPY, OverlapMode.ON, WAIT)
                .run(in);
        List<String> goodFailures = new ArrayList<>();
        DeviceConvContractTest.compare(goodFailures, "intact", good, want);
        assertTrue(goodFailures.isEmpty(), goodFailures::toString);

        List<Result> broken = new DeviceConvRunner(plan, ranks(-1, null), Transport.PEER_COPY, OverlapMode.ON, WAIT,
                DeviceConvFailureTest::withoutArrivalWaits).run(in);
        List<String> failures = new ArrayList<>();
        DeviceConvContractTest.compare(failures, "missing wait", broken, want);
        assertFalse(failures.isEmpty(), "a missing wait went unnoticed");
    }

    @Test
    void badArraysGiveOneClearMessage() {
        ConvPlan plan = new ConvPlan(ProcessGrid.nhw(1, 1, 1), CASE.g(), CASE.x(), CASE.w());
        RankFailedException e = assertThrows(RankFailedException.class, () -> InJvmWorld.launch(1, WAIT, comm -> {
            DeviceRuntime d = ranks(-1, null).apply(0);
            try (DeviceDistributedConv conv = new DeviceDistributedConv(comm, d,
                    new StagedTransport(comm, d), plan, OverlapMode.ON, 0);
                 DeviceFloats small = d.allocate(10); DeviceFloats w = d.allocate(CASE.w().size());
                 DeviceFloats y = d.allocate(conv.outputShape().size())) {
                conv.forward(small, w, null, y);
            } finally {
                d.close();
            }
            return null;
        }));
        assertEquals("input array has 10 floats but rank 0 needs 2x2x9x8 (288)", e.getCause().getMessage());
        RankFailedException g = assertThrows(RankFailedException.class, () -> InJvmWorld.launch(2, WAIT,
                comm -> new DeviceDistributedConv(comm, null, null, plan, OverlapMode.ON, 0)));
        assertEquals("grid 1,1,1,1 has 1 cells but there are 2 ranks", g.getCause().getMessage());
    }
}
