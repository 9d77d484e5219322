package org.spatialconv.decomposition.net;

import java.util.List;
import java.util.Random;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.Window;
import org.spatialconv.conv.layers.Parameter;
import org.spatialconv.conv.layers.TransposedConv;
import org.spatialconv.decomposition.exchange.Block;
import org.spatialconv.decomposition.layer.DistributedConv;

/**
 * Distributed transposed convolution, run as the adjoint of the distributed convolution {@code g} from this
 * layer's output to its input (the same {@link DistributedConv}, with the roles of its passes swapped). Forward is
 * that convolution's backward-data: each rank scatters its owned inputs into the output block plus margins and
 * pushes the margins to their owners, summed. Backward-data is that convolution's forward (the output gradient's
 * halo is exchanged), and the weight gradient is its filter gradient with input and output gradient swapped.
 */
public final class TransposedConvLayer extends BoundLayer {
    private final TransposedConv t;
    private final int outChannels;
    private final boolean bias;
    private Parameter w;
    private Parameter b;
    /** The convolution from this layer's output to its input. */
    private DistributedConv adjoint;
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
        adjoint = ctx.conv(output, t.conv(), weightShape(inputs.get(0).global().c()));
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
        Block yb = adjoint.allocateInput();
        adjoint.backwardData(xOwn, w.value(), yb);
        Tensor y = adjoint.ownedInput(yb);
        if (b != null) {
            float[] bd = b.value().data();
            float[] yd = y.data();
            int plane = y.shape().h() * y.shape().w();
            for (int p = 0, at = 0; p < y.shape().n() * outChannels; p++, at += plane) {
                float v = bd[p % outChannels];
                for (int j = at; j < at + plane; j++) { // one plane per channel: a loop the JIT vectorizes
                    yd[j] += v;
                }
            }
        }
        return y;
    }

    @Override
    public List<Tensor> backward(Tensor dy) {
        Block dyb = adjoint.inputBlock(dy);
        Tensor dx = adjoint.allocateOutput();
        adjoint.forward(dyb, w.value(), null, dx);
        adjoint.addFilterGradients(dyb, xOwn, w.grad(), null);
        if (b != null) {
            ctx.backend().biasBackward(dy, b.grad(), Window.full(dy.shape()), true);
        }
        xOwn = null;
        return List.of(dx);
    }

    @Override
    public List<Parameter> parameters() {
        return weightAndBias(w, b);
    }
}
