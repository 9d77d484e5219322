package org.spatialconv.decomposition.net;

import java.util.List;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.Frame;
import org.spatialconv.decomposition.grid.Region;

/**
 * A layer whose outputs read a window of one input and keep its channels (pooling, upsampling): forward fetches
 * the input box the owned outputs read (owned block + halo), backward pushes the gradient over that box back to
 * its owners, summed. Subclasses give the box and the kernels, which index through {@link Frame}s.
 */
abstract class WindowLayer extends BoundLayer {
    private Fetch fetch;
    /** Where the fetched input box and the owned output block sit in the global tensors. */
    protected Frame xf;
    protected Frame yf;
    private Shape boxShape;

    /** The box of the input {@code x} (global) that outputs {@code out} read, clipped to the input. */
    protected abstract Region need(Shape x, Region out);

    /** Fills this rank's output {@code y} from the fetched input box. */
    protected abstract void compute(Tensor xBox, Tensor y);

    /** Fills {@code dxBox} (zero, shaped like the fetched box) from the output gradient. */
    protected abstract void computeBackward(Tensor dy, Tensor dxBox);

    @Override
    public void bind(RankContext ctx, List<Placement> inputs, Placement output) {
        super.bind(ctx, inputs, output);
        Shape x = inputs.get(0).global();
        fetch = halo(o -> need(x, o));
        Region mine = need(x, ownOut());
        xf = new Frame(mine.lo(2), mine.lo(3), x.h(), x.w());
        yf = new Frame(ownOut().lo(2), ownOut().lo(3), output.global().h(), output.global().w());
    }

    @Override
    public Tensor forward(List<Tensor> inputs, boolean training) {
        Tensor xBox = fetch.forward(ctx.exchange(), inputs.get(0));
        boxShape = xBox.shape();
        Tensor y = Tensor.zeros(Shape.of(ownOut().extents()));
        compute(xBox, y);
        return y;
    }

    @Override
    public List<Tensor> backward(Tensor dy) {
        Tensor dxBox = Tensor.zeros(boxShape);
        computeBackward(dy, dxBox);
        return List.of(fetch.backward(ctx.exchange(), dxBox));
    }
}
