package org.spatialconv.conv.cuda;

/** The three convolution passes an engine computes. */
public enum ConvPass {
    FORWARD("forward"), BACKWARD_DATA("backward-data"), BACKWARD_FILTER("backward-filter");

    private final String label;

    ConvPass(String label) {
        this.label = label;
    }

    /** Lower-case name used in reports, e.g. {@code backward-data}. */
    public String label() {
        return label;
    }
}
