package org.spatialconv.conv.device;

import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Window;

/**
 * Argument checks every {@link DeviceRuntime} implementation runs before queuing work, so bad input fails at the
 * call with the same one-line message whatever the device (a queued kernel could only fail later, or silently).
 */
public final class DeviceChecks {
    private DeviceChecks() {
    }

    /**
     * {@code o} as the implementation's own {@code type}: a runtime accepts only the arrays, buffers, streams and
     * events of its implementation.
     */
    public static <T> T as(Class<T> type, Object o, String what) {
        if (type.isInstance(o)) {
            return type.cast(o);
        }
        throw new IllegalArgumentException("not " + what + ": " + o);
    }

    /** {@code [offset, offset+count)} lies inside {@code a}. */
    public static void range(DeviceFloats a, long offset, long count, String what) {
        range(a.floats(), offset, count, what);
    }

    /** {@code [offset, offset+count)} lies inside {@code [0, capacity)}. */
    public static void range(long capacity, long offset, long count, String what) {
        if (offset < 0 || count < 0 || offset + count > capacity) {
            throw new IllegalArgumentException(what + ": range [" + offset + ", " + (offset + count) + ") outside "
                    + capacity + " floats");
        }
    }

    /**
     * The box {@code [lo, lo+ext)} is non-empty and lies inside the 4-D {@code dims}.
     *
     * @return the number of floats in the box
     */
    public static long box(int[] dims, int[] lo, int[] ext) {
        if (dims.length != 4 || lo.length != 4 || ext.length != 4) {
            throw new IllegalArgumentException("pack/unpack boxes are 4-D");
        }
        long n = 1;
        for (int d = 0; d < 4; d++) {
            if (lo[d] < 0 || ext[d] < 1 || lo[d] + ext[d] > dims[d]) {
                throw new IllegalArgumentException("box dimension " + d + " [" + lo[d] + ", " + (lo[d] + ext[d])
                        + ") outside [0, " + dims[d] + ")");
            }
            n *= ext[d];
        }
        return n;
    }

    /** Pack/unpack: the box lies in {@code t} and {@code buf} holds it. */
    public static void packBox(DeviceTensor t, int[] lo, int[] ext, DeviceFloats buf) {
        long n = box(t.shape().dims(), lo, ext);
        if (buf.floats() < n) {
            throw new IllegalArgumentException("buffer of " + buf.floats() + " floats cannot hold a box of " + n);
        }
    }

    /** Forward: {@code y} is {@code conv(x, w)}'s shape, the window fits it, the bias has one value per filter. */
    public static void forward(DeviceTensor x, DeviceTensor w, DeviceFloats bias, ConvGeometry g, DeviceTensor y,
            Window win) {
        Shape ys = g.outputShape(x.shape(), w.shape());
        shape(y.shape(), ys, "y");
        window(win, ys, "output");
        if (bias != null && bias.floats() < ys.c()) {
            throw new IllegalArgumentException("bias has " + bias.floats() + " floats, expected " + ys.c());
        }
    }

    /** Backward-data: {@code dy} is {@code conv(dx, w)}'s shape and the window fits {@code dx}. */
    public static void backwardData(DeviceTensor dy, DeviceTensor w, ConvGeometry g, DeviceTensor dx, Window win) {
        shape(dy.shape(), g.outputShape(dx.shape(), w.shape()), "dy");
        window(win, dx.shape(), "input");
    }

    /** Backward-filter: {@code dy} is {@code conv(x, dw)}'s shape and the window fits it. */
    public static void backwardFilter(DeviceTensor x, DeviceTensor dy, ConvGeometry g, DeviceTensor dw, Window win) {
        Shape ys = g.outputShape(x.shape(), dw.shape());
        shape(dy.shape(), ys, "dy");
        window(win, ys, "output-gradient");
    }

    /** Bias gradient: 4-D {@code dy}, one {@code db} value per channel, the window fits. */
    public static void biasBackward(DeviceTensor dy, DeviceFloats db, Window win) {
        if (dy.shape().rank() != 4) {
            throw new IllegalArgumentException("device convolution is 2-D; dy has shape " + dy.shape());
        }
        if (db.floats() < dy.shape().c()) {
            throw new IllegalArgumentException("db has " + db.floats() + " floats, expected " + dy.shape().c());
        }
        window(win, dy.shape(), "output-gradient");
    }

    /** Bias add: a 4-D tensor and one bias per channel. */
    public static void biasAdd(DeviceTensor y, DeviceFloats bias) {
        if (y.shape().rank() != 4 || bias.floats() < y.shape().c()) {
            throw new IllegalArgumentException("bias add needs a 4-D tensor and one bias per channel, got " + y.shape()
                    + " and " + bias.floats() + " floats");
        }
    }

    /** {@code got} equals {@code want}. */
    public static void shape(Shape got, Shape want, String what) {
        if (!got.equals(want)) {
            throw new IllegalArgumentException(what + " has shape " + got + ", expected " + want);
        }
    }

    /** {@code win} fits the spatial extent of {@code s}. */
    public static void window(Window win, Shape s, String space) {
        if (!win.fits(s)) {
            throw new IllegalArgumentException("window " + win + " does not fit the " + space + " shape " + s);
        }
    }
}
