package org.spatialconv.perfmodel.net;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** JSON fields of each layer type (the table in docs/models.md): decoding with defaults, and encoding. */
final class LayerCodec {
    /** Every type name the format accepts. */
    static final List<String> TYPES = List.of("conv", "deconv", "batchnorm", "relu", "leakyrelu", "maxpool",
            "avgpool", "upsample", "add", "concat", "global_avg_pool", "fc", "mse_loss", "softmax_ce_loss");

    private LayerCodec() {
    }

    static LayerSpec decode(String type, Fields f) {
        try {
            return switch (type) {
                case "conv" -> {
                    Hw[] pad = padding(f);
                    yield new ConvSpec(f.requiredInt("out_channels"), hwRequired(f, "kernel"), f.hw("stride", Hw.of(1)),
                            pad[0], pad[1],
                            f.hw("dilation", Hw.of(1)), f.integer("groups", 1), f.bool("bias", true));
                }
                case "deconv" -> {
                    Hw[] pad = padding(f);
                    yield new DeconvSpec(f.requiredInt("out_channels"), hwRequired(f, "kernel"),
                            f.hw("stride", Hw.of(1)), pad[0], pad[1], f.hw("output_padding", Hw.of(0)),
                            f.hw("dilation", Hw.of(1)), f.integer("groups", 1), f.bool("bias", true));
                }
                case "batchnorm" -> new BatchNormSpec(f.number("eps", 1e-5), f.number("momentum", 0.1));
                case "relu" -> ActivationSpec.RELU;
                case "leakyrelu" -> ActivationSpec.leaky(f.number("slope", 0.01));
                case "maxpool", "avgpool" -> {
                    Hw kernel = hwRequired(f, "kernel");
                    Hw[] pad = padding(f);
                    yield new PoolSpec(type.equals("maxpool") ? PoolSpec.Kind.MAX : PoolSpec.Kind.AVG, kernel,
                            f.hw("stride", kernel), pad[0], pad[1]);
                }
                case "upsample" -> new UpsampleSpec(mode(f), f.requiredInt("scale"));
                case "add" -> new AddSpec();
                case "concat" -> new ConcatSpec();
                case "global_avg_pool" -> new GlobalAvgPoolSpec();
                case "fc" -> new LinearSpec(f.requiredInt("out_features"), f.bool("bias", true));
                case "mse_loss" -> new LossSpec(LossSpec.Kind.MSE);
                case "softmax_ce_loss" -> new LossSpec(LossSpec.Kind.SOFTMAX_CE);
                default -> throw f.error("unknown type '" + type + "' (known: " + String.join(", ", TYPES) + ")");
            };
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("layer '")) {
                throw e;
            }
            throw f.error(e.getMessage());
        }
    }

    private static Hw hwRequired(Fields f, String key) {
        f.required(key);
        return f.hw(key, null);
    }

    private static Hw[] padding(Fields f) {
        if (f.has("padding")) {
            if (f.has("pad_lo") || f.has("pad_hi")) {
                throw f.error("give either 'padding' or 'pad_lo'/'pad_hi', not both");
            }
            Hw p = f.hw("padding", Hw.of(0));
            return new Hw[] {p, p};
        }
        return new Hw[] {f.hw("pad_lo", Hw.of(0)), f.hw("pad_hi", Hw.of(0))};
    }

    private static UpsampleSpec.Mode mode(Fields f) {
        String m = f.string("mode", "nearest");
        return switch (m) {
            case "nearest" -> UpsampleSpec.Mode.NEAREST;
            case "bilinear" -> UpsampleSpec.Mode.BILINEAR;
            default -> throw f.error("upsample mode must be 'nearest' or 'bilinear', got '" + m + "'");
        };
    }

    static void encode(LayerSpec spec, ObjectNode o) {
        if (spec instanceof ConvSpec c) {
            o.put("out_channels", c.outChannels());
            put(o, "kernel", c.kernel());
            put(o, "stride", c.stride());
            putPadding(o, c.padLo(), c.padHi());
            put(o, "dilation", c.dilation());
            o.put("groups", c.groups());
            o.put("bias", c.bias());
        } else if (spec instanceof DeconvSpec d) {
            o.put("out_channels", d.outChannels());
            put(o, "kernel", d.kernel());
            put(o, "stride", d.stride());
            putPadding(o, d.padLo(), d.padHi());
            put(o, "output_padding", d.outputPadding());
            put(o, "dilation", d.dilation());
            o.put("groups", d.groups());
            o.put("bias", d.bias());
        } else if (spec instanceof BatchNormSpec b) {
            o.put("eps", b.eps());
            o.put("momentum", b.momentum());
        } else if (spec instanceof ActivationSpec a) {
            if (a.kind() == ActivationSpec.Kind.LEAKY_RELU) {
                o.put("slope", a.slope());
            }
        } else if (spec instanceof PoolSpec p) {
            put(o, "kernel", p.kernel());
            put(o, "stride", p.stride());
            putPadding(o, p.padLo(), p.padHi());
        } else if (spec instanceof UpsampleSpec u) {
            o.put("mode", u.mode() == UpsampleSpec.Mode.NEAREST ? "nearest" : "bilinear");
            o.put("scale", u.scale());
        } else if (spec instanceof LinearSpec l) {
            o.put("out_features", l.outFeatures());
            o.put("bias", l.bias());
        }
        // add, concat, global_avg_pool and the losses have no fields beyond their type.
    }

    private static void putPadding(ObjectNode o, Hw lo, Hw hi) {
        if (lo.equals(hi)) {
            put(o, "padding", lo);
        } else {
            put(o, "pad_lo", lo);
            put(o, "pad_hi", hi);
        }
    }

    private static void put(ObjectNode o, String key, Hw v) {
        if (v.square()) {
            o.put(key, v.h());
        } else {
            o.putArray(key).add(v.h()).add(v.w());
        }
    }
}
