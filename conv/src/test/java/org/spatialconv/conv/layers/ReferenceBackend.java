package org.spatialconv.conv.layers;

import org.spatialconv.conv.Backend;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.Window;
import org.spatialconv.conv.reference.ReferenceConv;

/**
 * A minimal {@link Backend} over the float64 reference convolution, so layer tests do not depend on the
 * optimised CPU backend. Windows are honoured by computing everything and copying the window.
 */
public final class ReferenceBackend implements Backend {
    @Override
    public String name() {
        return "reference";
    }

    @Override
    public void convForward(Tensor x, Tensor w, Tensor bias, ConvGeometry g, Tensor y, Window yWindow) {
        copyWindow(ReferenceConv.forward(x, w, bias, g), y, yWindow, false);
    }

    @Override
    public void convBackwardData(Tensor dy, Tensor w, ConvGeometry g, Tensor dx, Window dxWindow) {
        copyWindow(ReferenceConv.backwardData(dy, w, g, dx.shape()), dx, dxWindow, false);
    }

    @Override
    public void convBackwardFilter(Tensor x, Tensor dy, ConvGeometry g, Tensor dw, Window dyWindow,
            boolean accumulate) {
        Tensor masked = Tensor.zeros(dy.shape());
        copyWindow(toDouble(dy), masked, dyWindow, false);
        double[] r = ReferenceConv.backwardFilter(x, masked, g, dw.shape());
        for (int i = 0; i < r.length; i++) {
            dw.data()[i] = (float) ((accumulate ? dw.data()[i] : 0) + r[i]);
        }
    }

    @Override
    public void biasBackward(Tensor dy, Tensor db, Window dyWindow, boolean accumulate) {
        Tensor masked = Tensor.zeros(dy.shape());
        copyWindow(toDouble(dy), masked, dyWindow, false);
        double[] r = ReferenceConv.biasBackward(masked);
        for (int i = 0; i < r.length; i++) {
            db.data()[i] = (float) ((accumulate ? db.data()[i] : 0) + r[i]);
        }
    }

    private static double[] toDouble(Tensor t) {
        double[] d = new double[t.data().length];
        for (int i = 0; i < d.length; i++) {
            d[i] = t.data()[i];
        }
        return d;
    }

    private static void copyWindow(double[] src, Tensor dst, Window win, boolean add) {
        Shape s = dst.shape();
        for (int n = 0; n < s.n(); n++) {
            for (int c = 0; c < s.c(); c++) {
                for (int h = win.lo(0); h < win.hi(0); h++) {
                    for (int w = win.lo(1); w < win.hi(1); w++) {
                        int i = dst.index(n, c, h, w);
                        dst.data()[i] = (float) ((add ? dst.data()[i] : 0) + src[i]);
                    }
                }
            }
        }
    }
}
