package org.spatialconv.conv.cuda;

import java.util.ArrayList;
import java.util.List;
import jcuda.NativePointerObject;
import jcuda.Pointer;

/**
 * Builds the {@code void**} parameter array of a launch in kernel-signature order. Structs passed by value
 * (ConvParams, Box4, PoolParams: all-int) are passed as an {@code int[]} of exactly the struct's fields.
 */
public final class KernelArgs {
    private final List<NativePointerObject> args = new ArrayList<>();

    /** A device buffer, or a null pointer when {@code b} is null. */
    public KernelArgs buffer(DeviceBuffer b) {
        args.add(b == null ? Pointer.to(new long[] {0L}) : Pointer.to(b.pointer()));
        return this;
    }

    /** An int. */
    public KernelArgs i(int v) {
        args.add(Pointer.to(new int[] {v}));
        return this;
    }

    /** A float. */
    public KernelArgs f(float v) {
        args.add(Pointer.to(new float[] {v}));
        return this;
    }

    /** An all-int struct by value. */
    public KernelArgs struct(int[] fields) {
        args.add(Pointer.to(fields.clone()));
        return this;
    }

    /** The parameter array. */
    public Pointer build() {
        return Pointer.to(args.toArray(new NativePointerObject[0]));
    }
}
