package org.spatialconv.conv.cuda;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import jcuda.NativePointerObject;
import jcuda.Pointer;

/**
 * The parameters of one launch, in kernel-signature order. Structs passed by value (ConvParams, Box4, PoolParams:
 * all-int) are an {@code int[]} of exactly the struct's fields. Kept as data so tests can inspect and replay it;
 * {@link #build()} makes the driver's {@code void**} array.
 */
public final class KernelArgs {
    /** One parameter. */
    public sealed interface Arg permits Buffer, IntArg, FloatArg, Struct {
    }

    /** A device pointer; {@code array} null means a null pointer. */
    public record Buffer(DeviceArray array) implements Arg {
    }

    /** An int. */
    public record IntArg(int value) implements Arg {
    }

    /** A float. */
    public record FloatArg(float value) implements Arg {
    }

    /** An all-int struct passed by value. */
    public record Struct(int[] fields) implements Arg {
    }

    private final List<Arg> args = new ArrayList<>();

    /** A device array, or a null pointer when {@code b} is null. */
    public KernelArgs buffer(DeviceArray b) {
        args.add(new Buffer(b));
        return this;
    }

    /** An int. */
    public KernelArgs i(int v) {
        args.add(new IntArg(v));
        return this;
    }

    /** A float. */
    public KernelArgs f(float v) {
        args.add(new FloatArg(v));
        return this;
    }

    /** An all-int struct by value. */
    public KernelArgs struct(int[] fields) {
        args.add(new Struct(fields.clone()));
        return this;
    }

    /** The parameters in order. */
    public List<Arg> args() {
        return Collections.unmodifiableList(args);
    }

    /** The driver's parameter array. */
    public Pointer build() {
        NativePointerObject[] p = new NativePointerObject[args.size()];
        for (int i = 0; i < p.length; i++) {
            Arg a = args.get(i);
            if (a instanceof Buffer b) {
                p[i] = b.array() == null ? Pointer.to(new long[] {0L}) : Pointer.to(b.array().pointer());
            } else if (a instanceof IntArg v) {
                p[i] = Pointer.to(new int[] {v.value()});
            } else if (a instanceof FloatArg v) {
                p[i] = Pointer.to(new float[] {v.value()});
            } else {
                p[i] = Pointer.to(((Struct) a).fields());
            }
        }
        return Pointer.to(p);
    }
}
