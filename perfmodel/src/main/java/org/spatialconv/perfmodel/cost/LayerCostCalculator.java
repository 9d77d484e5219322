package org.spatialconv.perfmodel.cost;

import java.util.List;
import org.spatialconv.perfmodel.machine.ConvTiming;
import org.spatialconv.perfmodel.machine.Device;
import org.spatialconv.perfmodel.machine.LayerClasses;
import org.spatialconv.perfmodel.machine.MachineProfile;
import org.spatialconv.perfmodel.net.BatchNormSpec;
import org.spatialconv.perfmodel.net.ConvSpec;
import org.spatialconv.perfmodel.net.DeconvSpec;
import org.spatialconv.perfmodel.net.LayerSpec;
import org.spatialconv.perfmodel.net.GlobalAvgPoolSpec;
import org.spatialconv.perfmodel.net.LinearSpec;
import org.spatialconv.perfmodel.net.LossSpec;
import org.spatialconv.perfmodel.net.PoolSpec;
import org.spatialconv.perfmodel.net.TensorShape;
import org.spatialconv.perfmodel.net.UpsampleSpec;

/**
 * Computes one {@link LayerCost}. Compute time of a convolution pass comes from the calibrated table for the
 * local output extent when the configuration was measured, else from the roofline
 * {@code flops / (peak · efficiency) + kernel overhead}; memory-bound layers take
 * {@code bytes / calibrated class rate}, or {@code bytes / bandwidth + overhead} without one. Halo exchanges cost {@code Σ (α + bytes·β) + 2·bytes / bandwidth}
 * (send to each neighbour in turn, pack and unpack) and overlap interior compute:
 * {@code max(T_interior, T_halo) + T_boundary}.
 */
final class LayerCostCalculator {
    private static final int FLOAT = 4;

    private LayerCostCalculator() {
    }

    static LayerCost compute(CostModel m, int layer, Grid g) {
        LayerSpec spec = m.network().layers().get(layer).spec();
        List<TensorShape> ins = m.inputShapes(layer);
        TensorShape in = ins.get(0);
        TensorShape out = m.distributedShape(layer);
        Device dev = m.machine().device();
        // replicated (fewer samples than ranks, no spatial extent, engine mode): every rank computes every sample
        long nl = m.replicated(layer, g) ? out.n() : Blocks.max(out.n(), g.n());
        long hl = Blocks.max(out.h(), g.h());
        long wl = Blocks.max(out.w(), g.w());
        long hin = Blocks.max(in.h(), g.h());
        long win = Blocks.max(in.w(), g.w());
        long outLocal = nl * out.c() * hl * wl;
        long inLocal = 0;
        for (TensorShape s : ins) {
            inLocal += nl * s.c() * Blocks.max(s.h(), g.h()) * Blocks.max(s.w(), g.w());
        }
        double overhead = dev.kernelOverheadS();
        double bw = dev.memoryBandwidth();

        boolean spatial = spec instanceof ConvSpec || spec instanceof DeconvSpec || spec instanceof PoolSpec
                || spec instanceof UpsampleSpec;
        Halos.DimHalo hh = spatial ? m.halo(layer, 0, g.h()) : Halos.DimHalo.NONE;
        Halos.DimHalo hw = spatial ? m.halo(layer, 1, g.w()) : Halos.DimHalo.NONE;
        long perPlane = nl * in.c();
        long hBytes = perPlane * hh.total() * win * FLOAT;
        long wBytes = perPlane * hin * hw.total() * FLOAT;
        // one corner message per pair of sides that both have a halo
        int corners = hh.peers() * hw.peers();
        long cBytes = perPlane * (long) hh.total() * hw.total() * FLOAT;
        boolean crossH = m.crossesNode(g, 1);
        boolean crossW = m.crossesNode(g, 2);
        double halo = hh.peers() * m.alpha(crossH) + hBytes * m.beta(crossH)
                + hw.peers() * m.alpha(crossW) + wBytes * m.beta(crossW)
                + corners * m.alpha(crossH || crossW) + cBytes * m.beta(crossH || crossW)
                + 2.0 * (hBytes + wBytes + cBytes) / bw;
        long haloBytes = hBytes + wBytes + cBytes;
        double interior = hl * wl == 0 ? 0
                : (double) Math.max(0, hl - hh.boundary()) * Math.max(0, wl - hw.boundary()) / (hl * wl);
        int strips = hh.peers() + hw.peers();

        double fwdC;
        double bwdData;
        double bwdFilter = 0;
        double collective = 0;
        int exchanges = 0; // passes that wait for peers: each costs the host's sync time when ranks share cores
        long scratch = (inLocal + outLocal) * FLOAT;
        if (spec instanceof ConvSpec c) {
            double flops = 2.0 * nl * c.outChannels() * hl * wl * (in.c() / c.groups()) * c.kernel().h()
                    * c.kernel().w();
            // the engine allocates a zeroed output in forward and a zeroed input gradient (with halo) in backward
            fwdC = convPass(m, c, in.c(), "fwd", nl * hl * wl, flops) + allocation(m.machine(), outLocal);
            bwdData = convPass(m, c, in.c(), "bwd_data", nl * hl * wl, flops)
                    + allocation(m.machine(), inLocal + haloBytes / FLOAT);
            bwdFilter = convPass(m, c, in.c(), "bwd_filter", nl * hl * wl, flops);
            scratch += (long) (in.c() / c.groups()) * c.kernel().h() * c.kernel().w() * hl * wl * FLOAT;
        } else if (spec instanceof DeconvSpec d) {
            double flops = 2.0 * nl * in.c() * hin * win * (d.outChannels() / d.groups()) * d.kernel().h()
                    * d.kernel().w();
            // the engine runs it through the transposed convolution's passes, at the local input extent; forward
            // allocates the output and a scatter buffer of about its size, backward the input gradient
            ConvSpec t = d.transposed(in.c());
            long pixels = nl * hin * win;
            fwdC = convPass(m, t, d.outChannels(), "bwd_data", pixels, flops)
                    + allocation(m.machine(), 2.0 * outLocal);
            bwdData = convPass(m, t, d.outChannels(), "fwd", pixels, flops) + allocation(m.machine(), inLocal);
            bwdFilter = convPass(m, t, d.outChannels(), "bwd_filter", pixels, flops);
        } else if (spec instanceof LinearSpec f) {
            double flops = 2.0 * nl * in.c() * in.h() * in.w() * f.outFeatures();
            fwdC = flops / dev.convRate() + overhead;
            bwdData = fwdC;
            bwdFilter = fwdC;
        } else {
            long inWithHalo = inLocal + haloBytes / FLOAT;
            String cls = LayerClasses.of(spec);
            // a layer without an exchange of its own runs on each rank as soon as the layer before it ends there,
            // at the rate one rank gets for its own run (not the span of all ranks' runs started together)
            boolean own = halo == 0 && !(spec instanceof BatchNormSpec) && !(spec instanceof LossSpec);
            fwdC = memoryBound(m.machine(), cls, ins.size(), "fwd", inWithHalo, outLocal, own);
            bwdData = memoryBound(m.machine(), cls, ins.size(), "bwd", inWithHalo, outLocal, own);
            if (spec instanceof BatchNormSpec) {
                collective = 2 * (m.options().globalBatchNorm() ? m.allreduce(2L * in.c() * FLOAT)
                        : m.allreduce(2L * in.c() * FLOAT, g.h() * g.w(), crossH || crossW));
                exchanges = collective > 0 ? 2 : 0; // statistics forward, gradient sums backward
            } else if (spec instanceof LossSpec) {
                collective = m.allreduce(FLOAT);
                exchanges = collective > 0 ? 1 : 0;
            } else if (spec instanceof GlobalAvgPoolSpec && !m.options().idleRanks()) {
                // the engine sums every (sample, channel) over all ranks and replicates the result
                collective = m.allreduce((long) out.n() * out.c() * FLOAT);
                exchanges = collective > 0 ? 1 : 0;
            }
        }
        if (halo > 0) {
            exchanges += 2; // fetch forward, push the halo gradient back backward
        }
        collective += exchanges * m.syncSeconds();
        double fwd = overlap(fwdC, halo, interior, strips, overhead);
        double bwd = overlap(bwdData, halo, interior, strips, overhead) + bwdFilter;
        long grad = CostModel.hasWeights(spec) ? spec.paramCount(ins) * FLOAT : 0;
        long kept = (spec instanceof LossSpec ? 0 : outLocal * FLOAT) + haloBytes;
        return new LayerCost(g, fwdC, bwdData + bwdFilter, halo, halo, fwd, bwd, collective, grad, haloBytes, kept,
                scratch);
    }

    /** {@code max(T_interior, T_halo) + T_boundary}; with no halo just the compute. */
    static double overlap(double compute, double halo, double interiorFraction, int strips, double overhead) {
        if (halo == 0) {
            return compute;
        }
        return Math.max(compute * interiorFraction, halo) + compute * (1 - interiorFraction) + strips * overhead;
    }

    private static double convPass(CostModel m, ConvSpec c, int inChannels, String pass, long pixels, double flops) {
        String key = ConvTiming.key(pass, inChannels, c.outChannels(), c.kernel().h(), c.kernel().w(),
                c.stride().h(), c.dilation().h(), c.groups());
        double t = m.machine().convTable().seconds(key, pixels);
        if (!Double.isNaN(t)) {
            return t;
        }
        return flops / m.machine().device().convRate() + m.machine().device().kernelOverheadS();
    }

    /**
     * Time to allocate a zeroed tensor of {@code elements} floats at the calibrated {@code alloc} rate; 0 for
     * profiles without one (GPU caching allocators, built-in and older profiles).
     */
    static double allocation(MachineProfile machine, double elements) {
        double rate = machine.layerRate(LayerClasses.ALLOC, "fwd");
        return Double.isNaN(rate) ? 0 : LayerClasses.bytes(LayerClasses.ALLOC, 1, "fwd", 0, elements) / rate;
    }

    /**
     * Time of one pass of a memory-bound layer: its modelled bytes ({@link LayerClasses#bytes}) at the class's
     * calibrated rate when the profile has one (that rate was measured on whole layer calls, so it already
     * holds the per-call overhead), else at the memory bandwidth plus the kernel overhead.
     */
    static double memoryBound(MachineProfile machine, String cls, int inputs, String pass, double inElements,
            double outElements) {
        return memoryBound(machine, cls, inputs, pass, inElements, outElements, false);
    }

    /**
     * As above; with {@code own}, at the class's {@link LayerClasses#ownKey own-run rate} where the profile has
     * one (host levels measured with several ranks), else at its rate.
     */
    static double memoryBound(MachineProfile machine, String cls, int inputs, String pass, double inElements,
            double outElements, boolean own) {
        String c = cls == null ? "other" : cls;
        double bytes = LayerClasses.bytes(c, inputs, pass, inElements, outElements);
        double rate = own ? machine.layerRates().getOrDefault(LayerClasses.ownKey(c, pass), Double.NaN)
                : Double.NaN;
        if (Double.isNaN(rate)) {
            rate = machine.layerRate(c, pass);
        }
        if (!Double.isNaN(rate)) {
            return bytes / rate;
        }
        Device dev = machine.device();
        return bytes / dev.memoryBandwidth() + dev.kernelOverheadS();
    }
}
