package org.spatialconv.perfmodel.machine;

/**
 * One calibrated convolution timing: a pass of a convolution configuration at a local shape. The configuration
 * key is everything but the local extent (n, h, w of the output), which the cost model interpolates over.
 *
 * @param pass    "fwd", "bwd_data" or "bwd_filter"
 * @param c       input channels
 * @param k       output channels
 * @param kh      kernel height
 * @param kw      kernel width
 * @param stride  stride (both dimensions)
 * @param dilation dilation (both dimensions)
 * @param groups  groups
 * @param n       local samples
 * @param h       local output rows
 * @param w       local output columns
 * @param seconds measured time of the pass
 */
public record ConvTiming(String pass, int c, int k, int kh, int kw, int stride, int dilation, int groups, int n,
        int h, int w, double seconds) {
    /** @throws IllegalArgumentException if a value is out of range */
    public ConvTiming {
        if (!(pass.equals("fwd") || pass.equals("bwd_data") || pass.equals("bwd_filter"))) {
            throw new IllegalArgumentException("conv timing: pass must be fwd, bwd_data or bwd_filter, got " + pass);
        }
        if (c < 1 || k < 1 || kh < 1 || kw < 1 || stride < 1 || dilation < 1 || groups < 1 || n < 1 || h < 1
                || w < 1 || !(seconds > 0)) {
            throw new IllegalArgumentException("conv timing: values out of range");
        }
    }

    /** The configuration key (everything except the local extent and the time). */
    public String key() {
        return key(pass, c, k, kh, kw, stride, dilation, groups);
    }

    /** Output pixels times samples: the quantity the table interpolates over. */
    public long pixels() {
        return (long) n * h * w;
    }

    /** The key of a configuration. */
    public static String key(String pass, int c, int k, int kh, int kw, int stride, int dilation, int groups) {
        return pass + ":" + c + ":" + k + ":" + kh + "x" + kw + ":s" + stride + ":d" + dilation + ":g" + groups;
    }
}
