package org.spatialconv.decomposition.net;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.Window;
import org.spatialconv.conv.layers.Parameter;
import org.spatialconv.conv.layers.TransposedConv;

/**
 * Distributed transposed convolution (the adjoint of convolution {@code g}). Forward: the owned output rows
 * {@code [o0, o1)} receive contributions from inputs {@code i} with {@code i*S - padLo + r*dil} in that range, i.e.
 * {@code i in [floor((o0 + padLo - span + 1)/S), floor((o1 - 1 + padLo)/S)]}; those inputs are fetched and scattered
 * by an unpadded local backward-data whose result covers global rows from {@code a*S - padLo}, then cropped.
 * Backward: dx is an ordinary distributed convolution of dy (fetch dy's halo), and dw that convolution's filter
 * gradient, so no gradient needs pushing back.
 */
public final class TransposedConvLayer extends BoundLayer {
    private final TransposedConv t;
    private final int outChannels;
    private final boolean bias;
    private Parameter w;
    private Parameter b;
    private Box src;
    private ConvGeometry scatter;
    private ConvGeometry back;
    private Box dyNeed;
    private Tensor xOwn;

    /** Transposed convolution to {@code outChannels} channels. */
    public TransposedConvLayer(TransposedConv t, int outChannels, boolean bias) {
        this.t = t;
        this.outChannels = outChannels;
        this.bias = bias;
    }

    private Shape weightShape(int inChannels) {
        ConvGeometry g = t.conv();
        return Shape.nchw(inChannels, outChannels / g.groups(), g.kernel(0), g.kernel(1));
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        requireInputs(inputs, 1, "transposed conv");
        if (outChannels % t.conv().groups() != 0) {
            throw new IllegalArgumentException("output channels " + outChannels + " not divisible by groups");
        }
        return t.outputShape(inputs.get(0), weightShape(inputs.get(0).c()));
    }

    @Override
    public void bind(RankContext ctx, List<Placement> inputs, Placement output) {
        super.bind(ctx, inputs, output);
        ConvGeometry g = t.conv();
        Shape x = inputs.get(0).global();
        Box own = ownOut();
        int[] rows = sources(g, 0, own.h0(), own.h1(), x.h());
        int[] cols = sources(g, 1, own.w0(), own.w1(), x.w());
        src = new Box(own.n0(), own.n1(), rows[0], rows[1], cols[0], cols[1]);
        scatter = g.withPadding(0, 0, 0).withPadding(1, 0, 0);
        Object[] l = Halo.local(g, ownIn(0), output.global().h(), output.global().w());
        back = (ConvGeometry) l[0];
        dyNeed = (Box) l[1];
    }

    /** Input range {@code [a, b)} along {@code s} that contributes to outputs {@code [o0, o1)} (may be empty). */
    private static int[] sources(ConvGeometry g, int s, int o0, int o1, int in) {
        int a = Math.floorDiv(o0 + g.padLo(s) - g.span(s) + 1, g.stride(s));
        int b = Math.floorDiv(o1 - 1 + g.padLo(s), g.stride(s)) + 1;
        return new int[] {Math.max(0, Math.min(a, in)), Math.max(0, Math.min(b, in))};
    }

    @Override
    public void init(String name, Random rnd) {
        int cin = in.get(0).global().c();
        Shape ws = weightShape(cin);
        w = new Parameter(name + ".weight", Init.heUniform(rnd, ws, cin * ws.dim(2) * ws.dim(3)));
        if (bias) {
            b = new Parameter(name + ".bias", Init.constant(Shape.of(outChannels), 0f));
        }
    }

    @Override
    public Tensor forward(List<Tensor> inputs, boolean training) {
        xOwn = inputs.get(0);
        // fetch is a collective: a rank whose outputs receive no input still takes part, with a dummy box.
        Tensor xs = ctx.exchange().fetch(xOwn, in.get(0), src.isEmpty() ? new Box(0, 1, 0, 1, 0, 1) : src);
        Box own = ownOut();
        Tensor y = Tensor.zeros(own.shape(outChannels));
        if (!src.isEmpty()) {
            ConvGeometry g = t.conv();
            int lh = (src.h1() - src.h0() - 1) * g.stride(0) + g.span(0);
            int lw = (src.w1() - src.w0() - 1) * g.stride(1) + g.span(1);
            Tensor tmp = Tensor.zeros(Shape.nchw(own.n1() - own.n0(), outChannels, lh, lw));
            ctx.backend().convBackwardData(xs, w.value(), scatter, tmp);
            int r0 = src.h0() * g.stride(0) - g.padLo(0);
            int c0 = src.w0() * g.stride(1) - g.padLo(1);
            Box tmpBox = new Box(own.n0(), own.n1(), r0, r0 + lh, c0, c0 + lw);
            Box.copy(tmp, tmpBox, y, own, tmpBox.intersect(own), false);
        }
        if (b != null) {
            float[] bd = b.value().data();
            int plane = y.shape().h() * y.shape().w();
            for (int i = 0; i < y.data().length; i++) {
                y.data()[i] += bd[(i / plane) % outChannels];
            }
        }
        return y;
    }

    @Override
    public List<Tensor> backward(Tensor dy) {
        Tensor dyBox = ctx.exchange().fetch(dy, out, dyNeed);
        Tensor dx = Tensor.zeros(xOwn.shape());
        ctx.backend().convForward(dyBox, w.value(), null, back, dx);
        ctx.backend().convBackwardFilter(dyBox, xOwn, back, w.grad(), Window.full(xOwn.shape()), true);
        if (b != null) {
            ctx.backend().biasBackward(dy, b.grad(), Window.full(dy.shape()), true);
        }
        xOwn = null;
        return List.of(dx);
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> p = new ArrayList<>();
        p.add(w);
        if (b != null) {
            p.add(b);
        }
        return p;
    }
}
