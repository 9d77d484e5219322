package org.spatialconv.perfmodel.machine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.spatialconv.perfmodel.net.Fields;

/**
 * Reads and writes machine profiles as JSON, and resolves built-in names ({@code lassen}, {@code h100},
 * {@code cpu-local}) from resources. The format is documented in docs/planner.md; a missing or malformed field is
 * one {@link IllegalArgumentException} naming it.
 */
public final class Profiles {
    /** Names of the built-in profiles. */
    public static final List<String> BUILT_IN = List.of("lassen", "h100", "cpu-local");
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Profiles() {
    }

    /** A built-in profile by name, or a profile file (a path, or anything ending in .json). */
    public static MachineProfile resolve(String nameOrFile) {
        String lower = nameOrFile.toLowerCase(Locale.ROOT);
        if (BUILT_IN.contains(lower)) {
            return builtIn(lower);
        }
        Path p = Path.of(nameOrFile);
        if (nameOrFile.endsWith(".json") || Files.exists(p)) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("machine profile " + nameOrFile + " does not exist");
            }
            try {
                return parse(Files.readString(p), p.toString());
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read machine profile " + p + ": " + e.getMessage(), e);
            }
        }
        throw new IllegalArgumentException("unknown machine '" + nameOrFile + "' (built-in: "
                + String.join(", ", BUILT_IN) + ", or a PROFILE.json file)");
    }

    /** A built-in profile. */
    public static MachineProfile builtIn(String name) {
        String res = "/org/spatialconv/perfmodel/machine/" + name + ".json";
        try (InputStream in = Profiles.class.getResourceAsStream(res)) {
            if (in == null) {
                throw new IllegalArgumentException("no built-in machine profile '" + name + "'");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "built-in " + name);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + res, e);
        }
    }

    /** Parses a profile; {@code origin} names it in errors. */
    public static MachineProfile parse(String json, String origin) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("machine profile " + origin + ": not valid JSON: "
                    + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("machine profile " + origin + ": top level must be an object");
        }
        String where = "machine profile " + origin;
        Fields top = new Fields(where, root);
        String name = top.requiredString("name");
        String description = top.string("description", "");
        boolean measured = top.bool("measured", false);
        int rpn = top.requiredInt("ranks_per_node");
        Fields d = new Fields(where + ", device", object(top, "device"));
        Device device;
        try {
            device = new Device(d.requiredString("name"), (long) d.requiredNumber("memory_bytes"),
                    (long) d.number("reserved_bytes", 0), d.requiredNumber("memory_bandwidth"),
                    d.requiredNumber("peak_flops"), d.requiredNumber("conv_efficiency"),
                    d.requiredNumber("kernel_overhead_s"));
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(where) ? e : d.error(e.getMessage());
        }
        d.finish();
        Fields links = new Fields(where + ", links", object(top, "links"));
        Link intra = link(where + ", links.intra", object(links, "intra"));
        Link inter = link(where + ", links.inter", object(links, "inter"));
        links.finish();
        ConvTable table = convTable(top, where);
        Map<String, Double> rates = layerRates(top);
        Host host = top.has("host") ? host(where + ", host", object(top, "host")) : null;
        Map<String, String> sources = new LinkedHashMap<>();
        if (top.has("sources")) {
            JsonNode s = top.required("sources");
            Iterator<Map.Entry<String, JsonNode>> it = s.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                sources.put(e.getKey(), e.getValue().asText());
            }
        }
        top.finish();
        return new MachineProfile(name, description, measured, device, intra, inter, rpn, table, sources, rates,
                host);
    }

    /** The optional {@code conv_table} array of an object (empty table if absent). */
    private static ConvTable convTable(Fields top, String where) {
        List<ConvTiming> timings = new ArrayList<>();
        if (top.has("conv_table")) {
            JsonNode arr = top.required("conv_table");
            if (!arr.isArray()) {
                throw top.error("'conv_table' must be an array");
            }
            int i = 0;
            for (JsonNode t : arr) {
                Fields f = new Fields(where + ", conv_table[" + i++ + "]", t);
                try {
                    timings.add(new ConvTiming(f.requiredString("pass"), f.requiredInt("c"), f.requiredInt("k"),
                            f.requiredInt("kh"), f.requiredInt("kw"), f.integer("stride", 1),
                            f.integer("dilation", 1), f.integer("groups", 1), f.integer("n", 1), f.requiredInt("h"),
                            f.requiredInt("w"), f.requiredNumber("seconds")));
                } catch (IllegalArgumentException e) {
                    throw e.getMessage().startsWith(where) ? e : f.error(e.getMessage());
                }
                f.finish();
            }
        }
        return new ConvTable(timings);
    }

    /** The optional {@code layer_rates} object of an object (empty if absent). */
    private static Map<String, Double> layerRates(Fields top) {
        Map<String, Double> rates = new LinkedHashMap<>();
        if (top.has("layer_rates")) {
            JsonNode r = top.required("layer_rates");
            if (!r.isObject()) {
                throw top.error("'layer_rates' must be an object");
            }
            Iterator<Map.Entry<String, JsonNode>> it = r.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isNumber() || !(e.getValue().asDouble() > 0)) {
                    throw top.error("'layer_rates." + e.getKey() + "' must be a positive number (bytes/s)");
                }
                rates.put(e.getKey(), e.getValue().asDouble());
            }
        }
        return rates;
    }

    /**
     * The {@code host} object: {@code cores} (absent: this machine's available processors, for the built-in
     * defaults), {@code threads_per_rank}, and the optional {@code shared} array of levels.
     */
    private static Host host(String where, JsonNode node) {
        Fields f = new Fields(where, node);
        int cores = f.has("cores") ? f.requiredInt("cores") : Runtime.getRuntime().availableProcessors();
        int threads = f.requiredInt("threads_per_rank");
        List<Host.Level> levels = new ArrayList<>();
        if (f.has("shared")) {
            JsonNode arr = f.required("shared");
            if (!arr.isArray()) {
                throw f.error("'shared' must be an array");
            }
            int i = 0;
            for (JsonNode n : arr) {
                String w = where + ", shared[" + i++ + "]";
                Fields l = new Fields(w, n);
                try {
                    levels.add(new Host.Level(l.requiredInt("ranks"), l.requiredInt("threads_per_rank"),
                            l.requiredNumber("memory_bandwidth"), l.requiredNumber("peak_flops"), convTable(l, w),
                            layerRates(l), l.requiredNumber("sync_s")));
                } catch (IllegalArgumentException e) {
                    throw e.getMessage().startsWith(w) ? e : l.error(e.getMessage());
                }
                l.finish();
            }
        }
        Host h;
        try {
            h = new Host(cores, threads, levels);
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(where) ? e : f.error(e.getMessage());
        }
        f.finish();
        return h;
    }

    private static JsonNode object(Fields f, String key) {
        JsonNode n = f.required(key);
        if (!n.isObject()) {
            throw f.error("'" + key + "' must be an object");
        }
        return n;
    }

    private static Link link(String where, JsonNode node) {
        Fields f = new Fields(where, node);
        Link l;
        try {
            l = new Link(f.requiredNumber("alpha_s"), f.requiredNumber("bandwidth"));
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(where) ? e : f.error(e.getMessage());
        }
        f.finish();
        return l;
    }

    /** The profile as JSON text that {@link #parse} reads back. */
    public static String write(MachineProfile p) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("name", p.name());
        root.put("description", p.description());
        root.put("measured", p.measured());
        root.put("ranks_per_node", p.ranksPerNode());
        ObjectNode d = root.putObject("device");
        Device dev = p.device();
        d.put("name", dev.name());
        d.put("memory_bytes", dev.memoryBytes());
        d.put("reserved_bytes", dev.reservedBytes());
        d.put("memory_bandwidth", dev.memoryBandwidth());
        d.put("peak_flops", dev.peakFlops());
        d.put("conv_efficiency", dev.convEfficiency());
        d.put("kernel_overhead_s", dev.kernelOverheadS());
        ObjectNode links = root.putObject("links");
        putLink(links.putObject("intra"), p.intra());
        putLink(links.putObject("inter"), p.inter());
        putTable(root, p.convTable(), p.layerRates());
        if (p.host() != null) {
            ObjectNode h = root.putObject("host");
            h.put("cores", p.host().cores());
            h.put("threads_per_rank", p.host().threadsPerRank());
            ArrayNode shared = h.putArray("shared");
            for (Host.Level l : p.host().levels()) {
                ObjectNode o = shared.addObject();
                o.put("ranks", l.ranks());
                o.put("threads_per_rank", l.threadsPerRank());
                o.put("memory_bandwidth", l.memoryBandwidth());
                o.put("peak_flops", l.peakFlops());
                o.put("sync_s", l.syncS());
                putTable(o, l.convTable(), l.layerRates());
            }
        }
        ObjectNode s = root.putObject("sources");
        p.sources().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> s.put(e.getKey(), e.getValue()));
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code conv_table} (always) and {@code layer_rates} (when not empty) into {@code o}. */
    private static void putTable(ObjectNode o, ConvTable t, Map<String, Double> rates) {
        ArrayNode table = o.putArray("conv_table");
        for (ConvTiming e : t.entries()) {
            table.addObject().put("pass", e.pass()).put("c", e.c()).put("k", e.k()).put("kh", e.kh())
                    .put("kw", e.kw()).put("stride", e.stride()).put("dilation", e.dilation())
                    .put("groups", e.groups()).put("n", e.n()).put("h", e.h()).put("w", e.w())
                    .put("seconds", e.seconds());
        }
        if (!rates.isEmpty()) {
            ObjectNode r = o.putObject("layer_rates");
            rates.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> r.put(e.getKey(), e.getValue()));
        }
    }

    private static void putLink(ObjectNode o, Link l) {
        o.put("alpha_s", l.alphaS());
        o.put("bandwidth", l.bandwidth());
    }

    /** Writes a profile atomically (temporary file, then move): never a half-written file. */
    public static void write(MachineProfile p, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, ".profile", ".tmp");
        try {
            Files.writeString(tmp, write(p));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
