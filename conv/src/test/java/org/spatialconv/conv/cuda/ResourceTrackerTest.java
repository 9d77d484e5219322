package org.spatialconv.conv.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Leak detection with a fake allocator standing in for device memory (same tracker the CUDA context uses). */
class ResourceTrackerTest {
    private static final long SEED = 7L;

    /** A fake allocator: hands out "buffers" that register with the tracker like DeviceBuffer does. */
    private static final class FakeAllocator {
        final ResourceTracker tracker = new ResourceTracker();
        long frees;

        final class Buffer implements AutoCloseable {
            final long bytes;
            boolean closed;

            Buffer(long bytes) {
                this.bytes = bytes;
                tracker.opened(this, "FakeBuffer", bytes);
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    if (tracker.closedResource(this, bytes)) {
                        frees++;
                    }
                }
            }
        }

        Buffer allocate(long bytes) {
            return new Buffer(bytes);
        }
    }

    @Test
    void closeWithOutstandingBuffersThrowsAndNamesThem() {
        FakeAllocator a = new FakeAllocator();
        FakeAllocator.Buffer kept = a.allocate(4096);
        try (FakeAllocator.Buffer b = a.allocate(100)) {
            assertEquals(2, a.tracker.openCount());
            assertEquals(4196, a.tracker.openBytes());
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.tracker.close("test context"));
        assertTrue(e.getMessage().contains("1 resource(s) still open") && e.getMessage().contains("4096 bytes"),
                e.getMessage());
        assertThrows(IllegalStateException.class, () -> a.allocate(8), "allocation after close must fail");
        kept.close();
        assertEquals(0, a.tracker.openCount());
    }

    @Test
    void randomAllocateFreeSequencesBalance() {
        Random rnd = new Random(SEED);
        int checked = 0;
        for (int round = 0; round < 50; round++) {
            FakeAllocator a = new FakeAllocator();
            List<FakeAllocator.Buffer> live = new ArrayList<>();
            long bytes = 0;
            for (int op = 0; op < 200; op++) {
                if (live.isEmpty() || rnd.nextBoolean()) {
                    long size = 1 + rnd.nextInt(1 << 20);
                    live.add(a.allocate(size));
                    bytes += size;
                } else {
                    FakeAllocator.Buffer b = live.remove(rnd.nextInt(live.size()));
                    b.close();
                    b.close(); // double close is harmless and frees once
                    bytes -= b.bytes;
                }
                assertEquals(live.size(), a.tracker.openCount(), "seed " + SEED);
                assertEquals(bytes, a.tracker.openBytes(), "seed " + SEED);
                checked++;
            }
            boolean leaked = !live.isEmpty();
            if (leaked) {
                assertThrows(IllegalStateException.class, () -> a.tracker.close("ctx"));
            }
            live.forEach(FakeAllocator.Buffer::close);
            assertEquals(0, a.tracker.openCount());
            if (!leaked) {
                a.tracker.close("ctx");
            }
        }
        assertEquals(50 * 200, checked);
    }

    @Test
    void doubleCloseIsIgnoredAndCountedOnce() {
        FakeAllocator a = new FakeAllocator();
        FakeAllocator.Buffer b = a.allocate(16);
        b.close();
        b.close();
        assertEquals(1, a.frees);
        assertFalse(a.tracker.closedResource(b, 16));
        a.tracker.close("ctx");
    }
}
