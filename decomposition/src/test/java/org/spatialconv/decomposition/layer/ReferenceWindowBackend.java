package org.spatialconv.decomposition.layer;

import org.spatialconv.conv.Backend;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.Window;
import org.spatialconv.conv.reference.ReferenceConv;

/**
 * A minimal test backend: the float64 reference over whole tensors, with windows honoured by writing (or, for
 * the filter and bias gradients, reading) only inside them. Slow, so only for small shapes; it lets the
 * decomposition be tested independently of the CPU backend.
 */
final class ReferenceWindowBackend implements Backend {
    @Override
    public String name() {
        return "reference-window";
    }

    @Override
    public void convForward(Tensor x, Tensor w, Tensor bias, ConvGeometry g, Tensor y, Window yWindow) {
        require(y.shape(), g.outputShape(x.shape(), w.shape()), "y");
        double[] full = ReferenceConv.forward(x, w, bias, g);
        writeWindow(full, y, yWindow);
    }

    @Override
    public void convBackwardData(Tensor dy, Tensor w, ConvGeometry g, Tensor dx, Window dxWindow) {
        double[] full = ReferenceConv.backwardData(dy, w, g, dx.shape());
        writeWindow(full, dx, dxWindow);
    }

    @Override
    public void convBackwardFilter(Tensor x, Tensor dy, ConvGeometry g, Tensor dw, Window dyWindow,
            boolean accumulate) {
        double[] part = ReferenceConv.backwardFilter(x, masked(dy, dyWindow), g, dw.shape());
        for (int i = 0; i < part.length; i++) {
            dw.data()[i] = (float) ((accumulate ? dw.data()[i] : 0) + part[i]);
        }
    }

    @Override
    public void biasBackward(Tensor dy, Tensor db, Window dyWindow, boolean accumulate) {
        double[] part = ReferenceConv.biasBackward(masked(dy, dyWindow));
        for (int i = 0; i < part.length; i++) {
            db.data()[i] = (float) ((accumulate ? db.data()[i] : 0) + part[i]);
        }
    }

    private static Tensor masked(Tensor t, Window win) {
        Tensor m = Tensor.zeros(t.shape());
        Shape s = t.shape();
        for (int n = 0; n < s.n(); n++) {
            for (int c = 0; c < s.c(); c++) {
                for (int h = win.lo(0); h < win.hi(0); h++) {
                    for (int w = win.lo(1); w < win.hi(1); w++) {
                        m.set(n, c, h, w, t.get(n, c, h, w));
                    }
                }
            }
        }
        return m;
    }

    private static void writeWindow(double[] full, Tensor t, Window win) {
        if (!win.fits(t.shape())) {
            throw new IllegalArgumentException("window " + win + " outside " + t.shape());
        }
        Shape s = t.shape();
        for (int n = 0; n < s.n(); n++) {
            for (int c = 0; c < s.c(); c++) {
                for (int h = win.lo(0); h < win.hi(0); h++) {
                    for (int w = win.lo(1); w < win.hi(1); w++) {
                        int i = t.index(n, c, h, w);
                        t.data()[i] = (float) full[i];
                    }
                }
            }
        }
    }

    private static void require(Shape got, Shape want, String what) {
        if (!got.equals(want)) {
            throw new IllegalArgumentException(what + " has shape " + got + ", expected " + want);
        }
    }
}
