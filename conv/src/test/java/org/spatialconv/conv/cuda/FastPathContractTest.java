package org.spatialconv.conv.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.spatialconv.conv.Backend;
import org.spatialconv.conv.BackendContractTest;
import org.spatialconv.conv.BackendOptions;

/**
 * The backend contract (float64 reference, random geometries, windows, accumulation) with one optional engine
 * computing every problem it can take; the rest falls back to the custom kernels, and each of the engine's results
 * is also checked against the custom kernels on its first call. Skipped, with the reason printed, unless a GPU and
 * the engine's library are usable. At the end, the engine must have computed at least {@link #minimumProblems()}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FastPathContractTest extends BackendContractTest {
    private final AtomicInteger ran = new AtomicInteger();
    private boolean enabled;
    private CudaBackend backend;

    /** The engine (and library) under test: {@code cudnn} or {@code cublas}. */
    abstract String engine();

    /** How many problems the engine must have computed over the class. */
    abstract int minimumProblems();

    /** The backend of the running test. */
    CudaBackend cudaBackend() {
        return backend;
    }

    @BeforeAll
    void requireGpuAndLibrary() {
        CudaProbe p = CudaProbe.get();
        OptionalLibraries.Status s = OptionalLibraries.status(engine());
        String why = !p.available() ? "no usable GPU: " + p.reason() : s.usable() ? "" : engine() + " " + s;
        if (!why.isEmpty()) {
            System.out.println(getClass().getSimpleName() + " skipped: " + why);
        }
        Assumptions.assumeTrue(why.isEmpty(), why);
        enabled = true;
    }

    @Override
    protected Backend createBackend() {
        backend = new CudaBackend(BackendOptions.threads(1), EngineSelector.Policy.prefer(engine()));
        return backend;
    }

    @AfterEach
    void countProblems() {
        backend.engines().choices().values().forEach(c -> {
            if (c.engine().equals(engine())) {
                ran.incrementAndGet();
            }
        });
    }

    @AfterAll
    void engineRanEnough() {
        if (!enabled) {
            return;
        }
        System.out.println(getClass().getSimpleName() + ": " + engine() + " computed " + ran.get() + " problems");
        assertTrue(ran.get() >= minimumProblems(), engine() + " computed only " + ran.get() + " problems");
    }
}
