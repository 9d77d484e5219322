package org.spatialconv.decomposition.net;

import java.util.List;
import java.util.Random;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.layers.BatchNorm;
import org.spatialconv.conv.layers.Parameter;

/**
 * Distributed batch normalization: statistics over all samples and all spatial partitions, from allreduced partial
 * sums (forward: sum and sum of squares; backward: sum of dy and of dy*xhat). The parameter gradients are the
 * local sums, which the network's gradient allreduce totals. Running averages are updated from the global
 * statistics, so they are identical on every rank.
 */
public final class BatchNormLayer extends BoundLayer {
    private final double eps;
    private final double momentum;
    private Parameter gamma;
    private Parameter beta;
    private Parameter runningMean;
    private Parameter runningVar;
    private Tensor x;
    private BatchNorm.Stats stats;
    private boolean trained;

    /** Batch norm with PyTorch's conventions ({@code eps}, running-average {@code momentum}). */
    public BatchNormLayer(double eps, double momentum) {
        this.eps = eps;
        this.momentum = momentum;
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        requireInputs(inputs, 1, "batch norm");
        return inputs.get(0);
    }

    @Override
    public void init(String name, Random rnd) {
        int c = in.get(0).global().c();
        gamma = new Parameter(name + ".weight", Init.constant(Shape.of(c), 1f));
        beta = new Parameter(name + ".bias", Init.constant(Shape.of(c), 0f));
        runningMean = new Parameter(name + ".running_mean", Init.constant(Shape.of(c), 0f));
        runningVar = new Parameter(name + ".running_var", Init.constant(Shape.of(c), 1f));
    }

    /** The statistics of the last forward pass (batch statistics in training mode). */
    public BatchNorm.Stats lastStats() {
        return stats;
    }

    @Override
    public Tensor forward(List<Tensor> inputs, boolean training) {
        x = inputs.get(0);
        trained = training;
        if (training) {
            double[] sums = BatchNorm.partialSums(ctx.threads(), x);
            ctx.exchange().allreduce(sums);
            stats = BatchNorm.stats(sums, eps);
            BatchNorm.updateRunning(runningMean.value(), runningVar.value(), stats, momentum);
        } else {
            stats = BatchNorm.inference(runningMean.value(), runningVar.value(), eps);
        }
        return BatchNorm.forward(ctx.threads(), x, stats, gamma.value(), beta.value());
    }

    @Override
    public List<Tensor> backward(Tensor dy) {
        double[] local = BatchNorm.backwardSums(ctx.threads(), dy, x, stats);
        BatchNorm.accumulateParamGrads(local, gamma.grad(), beta.grad());
        double[] global = local.clone();
        if (trained) {
            ctx.exchange().allreduce(global);
        }
        Tensor dx = BatchNorm.backwardData(ctx.threads(), dy, x, stats, gamma.value(), global, trained);
        x = null;
        return List.of(dx);
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(gamma, beta);
    }

    @Override
    public List<Parameter> buffers() {
        return List.of(runningMean, runningVar);
    }
}
