package org.spatialconv.perfmodel.train;

import java.util.List;
import java.util.Map;
import org.spatialconv.conv.Tensor;

/**
 * What a training run measured.
 *
 * @param loss global loss per step (before that step's update)
 * @param stepSeconds wall time of each step (forward, loss, backward, gradient allreduce, update)
 * @param samplesPerS batch / mean step time over the steps after the first (all steps if only one)
 * @param peakBytesPerRank in-JVM ranks: peak JVM heap during training divided by the number of ranks (they share
 *     one heap, so this is the per-rank share); one process per rank: the largest rank's peak heap
 * @param parameters rank 0's parameters after the last step, in definition order
 * @param layerSeconds per layer (definition order, the loss layer last): for each step, the largest over ranks of
 *     that layer's forward + backward wall time on the rank (shuffles into the layer included); empty if not
 *     measured
 * @param layerMeanSeconds as {@code layerSeconds}, the mean over ranks instead of the largest: these add up over
 *     the layers to the ranks' mean step time less the update, where the largest over ranks counts a rank's delay
 *     twice when ranks drift apart (in the late rank's layer and in the early rank's wait at the next exchange)
 * @param layerCriticalSeconds per layer, for each step, its share of the slowest rank's progress: how much the
 *     layer's forward and backward moved the last rank's end forward (see {@code Trainer.criticalShares}). These
 *     add up over the layers to the step less the update and count a late rank's delay once; they need a clock the
 *     ranks share (one JVM or one host)
 * @param timeline every rank's event times per step, from which the per-layer times were taken; null if not
 *     measured
 */
public record TrainResult(double[] loss, double[] stepSeconds, double samplesPerS, long peakBytesPerRank,
        List<Tensor> parameters, Map<String, double[]> layerSeconds, Map<String, double[]> layerMeanSeconds,
        Map<String, double[]> layerCriticalSeconds, Timeline timeline) {
    /** {@code batch} over the mean time of the steps after the first {@code untimed} (warm-up) ones. */
    public static double samplesPerSecond(int batch, double[] stepSeconds, int untimed) {
        double sum = 0;
        for (int i = untimed; i < stepSeconds.length; i++) {
            sum += stepSeconds[i];
        }
        return batch / (sum / (stepSeconds.length - untimed));
    }

    /** A result without per-layer times. */
    public TrainResult(double[] loss, double[] stepSeconds, double samplesPerS, long peakBytesPerRank,
            List<Tensor> parameters) {
        this(loss, stepSeconds, samplesPerS, peakBytesPerRank, parameters, Map.of(), Map.of(), Map.of(), null);
    }

    /**
     * When each rank reached each event of each step, in seconds on a clock the ranks share (its origin is
     * arbitrary but common): {@code seconds[(step * ranks + rank) * events.size() + e]}.
     *
     * @param events names in execution order: {@code start}, {@code LAYER.fwd} per layer, {@code loss}, then
     *     {@code LAYER.bwd} per layer, last layer first
     */
    public record Timeline(List<String> events, int steps, int ranks, double[] seconds) {
        /** Seconds of event {@code e} of {@code step} on {@code rank}. */
        public double at(int step, int rank, int e) {
            return seconds[(step * ranks + rank) * events.size() + e];
        }
    }
}
