package org.spatialconv.conv.cuda;

import static jcuda.driver.JCudaDriver.cuCtxCreate;
import static jcuda.driver.JCudaDriver.cuCtxDestroy;
import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuInit;

import java.nio.charset.StandardCharsets;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;

/**
 * A CUDA context on one device and the owner of everything allocated in it. {@link #close()} throws when buffers,
 * streams or modules created here are still open (they are leaks), after destroying the context anyway.
 * Every method makes the context current on the calling thread first, so a context may be used from any thread
 * (one at a time; callers synchronise).
 */
public final class CudaContext implements AutoCloseable {
    private final CUcontext context = new CUcontext();
    private final CUdevice device = new CUdevice();
    private final int ordinal;
    private final ResourceTracker tracker = new ResourceTracker();
    private boolean closed;

    private CudaContext(int ordinal) {
        this.ordinal = ordinal;
        CudaCheck.check(cuInit(0), "cuInit");
        int[] count = new int[1];
        CudaCheck.check(cuDeviceGetCount(count), "cuDeviceGetCount");
        if (ordinal >= count[0]) {
            throw new IllegalArgumentException("CUDA device " + ordinal + " requested but " + count[0] + " present");
        }
        CudaCheck.check(cuDeviceGet(device, ordinal), "cuDeviceGet");
        CudaCheck.check(cuCtxCreate(context, 0, device), "cuCtxCreate");
    }

    /** Creates a context on device {@code ordinal} (loads the JCuda driver binding on first use). */
    public static CudaContext create(int ordinal) {
        if (ordinal < 0) {
            throw new IllegalArgumentException("device ordinal must be >= 0, got " + ordinal);
        }
        return new CudaContext(ordinal);
    }

    /** Makes this context current on the calling thread. */
    public void makeCurrent() {
        if (closed) {
            throw new IllegalStateException("CUDA context on device " + ordinal + " is closed");
        }
        CudaCheck.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    /** The device's name, e.g. {@code NVIDIA H100 80GB HBM3}. */
    public String deviceName() {
        byte[] name = new byte[256];
        CudaCheck.check(cuDeviceGetName(name, name.length, device), "cuDeviceGetName");
        int len = 0;
        while (len < name.length && name[len] != 0) {
            len++;
        }
        return new String(name, 0, len, StandardCharsets.US_ASCII);
    }

    /** A device attribute ({@link CUdevice_attribute} constant). */
    public int attribute(int attribute) {
        int[] v = new int[1];
        CudaCheck.check(cuDeviceGetAttribute(v, attribute, device), "cuDeviceGetAttribute(" + attribute + ")");
        return v[0];
    }

    /** Number of streaming multiprocessors, used to size split-K launches. */
    public int multiprocessorCount() {
        return attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
    }

    /** Compute capability as {@code major*10 + minor}, e.g. 90. */
    public int computeCapability() {
        return 10 * attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)
                + attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
    }

    /** Device ordinal. */
    public int ordinal() {
        return ordinal;
    }

    /** Allocates {@code floats} float32 elements of device memory (uninitialised). */
    public DeviceBuffer allocate(long floats) {
        makeCurrent();
        return new DeviceBuffer(this, floats);
    }

    /** Allocates page-locked host memory for {@code floats} elements (for asynchronous copies). */
    public PinnedHostBuffer allocatePinned(long floats) {
        makeCurrent();
        return new PinnedHostBuffer(this, floats);
    }

    /** Creates a non-blocking stream. */
    public CudaStream createStream() {
        makeCurrent();
        return new CudaStream(this);
    }

    /** Creates an event without timing (for ordering streams and the host). */
    public CudaEvent createEvent() {
        makeCurrent();
        return new CudaEvent(this);
    }

    /** Loads a module from a fatbin, cubin or PTX image. */
    public CudaModule loadModule(byte[] image, String name) {
        makeCurrent();
        return new CudaModule(this, image, name);
    }

    /** Waits for all work in this context. */
    public void synchronize() {
        makeCurrent();
        CudaCheck.check(cuCtxSynchronize(), "cuCtxSynchronize");
    }

    /** The driver handle (peer copies name both contexts). */
    CUcontext handle() {
        if (closed) {
            throw new IllegalStateException("CUDA context on device " + ordinal + " is closed");
        }
        return context;
    }

    ResourceTracker tracker() {
        return tracker;
    }

    /** Number of resources created here and not yet closed. */
    public int openResources() {
        return tracker.openCount();
    }

    /**
     * Destroys the context.
     *
     * @throws IllegalStateException if resources created here were still open (they are freed with the context)
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            tracker.close("CUDA context on device " + ordinal);
        } finally {
            CudaCheck.check(cuCtxDestroy(context), "cuCtxDestroy");
        }
    }
}
