package org.spatialconv.perfmodel.net;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes the JSON network format:
 *
 * <pre>{@code
 * {"name": "tiny", "input_channels": 3, "layers": [
 *   {"name": "c1", "type": "conv", "out_channels": 8, "kernel": 3, "padding": 1, "bias": false},
 *   {"name": "b1", "type": "batchnorm"},
 *   {"name": "r1", "type": "relu", "inputs": ["b1"]}, ...]}
 * }</pre>
 *
 * {@code inputs} defaults to the previous layer (the network input for the first). Per-dimension values
 * (kernel, stride, padding, dilation, ...) are an integer or {@code [h, w]}; {@code padding} sets both sides,
 * {@code pad_lo}/{@code pad_hi} set them separately. Every field and type is listed in docs/models.md. Any error
 * (unknown type or field, bad value, mismatched shapes at {@link NetworkSpec#inferShapes}) is one
 * {@link IllegalArgumentException} naming the layer.
 */
public final class NetworkJson {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private NetworkJson() {
    }

    /** Reads a network file. */
    public static NetworkSpec read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read network file " + file + ": " + e.getMessage(), e);
        }
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("network file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses a network from JSON text. */
    public static NetworkSpec parse(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("top level must be a JSON object");
        }
        Fields top = new Fields("network", root);
        String name = top.string("name", "network");
        int inputChannels = top.requiredInt("input_channels");
        JsonNode layersNode = top.required("layers");
        top.finish();
        if (!layersNode.isArray()) {
            throw new IllegalArgumentException("'layers' must be an array");
        }
        List<Layer> layers = new ArrayList<>();
        String previous = NetworkSpec.INPUT;
        int position = 0;
        for (JsonNode ln : layersNode) {
            position++;
            if (!ln.isObject()) {
                throw new IllegalArgumentException("layer #" + position + " is not a JSON object");
            }
            String layerName = ln.hasNonNull("name") ? ln.get("name").asText() : "#" + position;
            Fields f = new Fields("layer '" + layerName + "'", ln);
            f.requiredString("name");
            String type = f.requiredString("type");
            List<String> inputs = f.stringList("inputs", List.of(previous));
            LayerSpec spec = LayerCodec.decode(type, f);
            f.finish();
            try {
                layers.add(new Layer(layerName, inputs, spec));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            previous = layerName;
        }
        return new NetworkSpec(name, inputChannels, layers);
    }

    /** Writes a network as JSON text that {@link #parse} reads back to an equal network. */
    public static String write(NetworkSpec net) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("name", net.name());
        root.put("input_channels", net.inputChannels());
        ArrayNode layers = root.putArray("layers");
        for (Layer l : net.layers()) {
            ObjectNode o = layers.addObject();
            o.put("name", l.name());
            o.put("type", l.spec().type());
            ArrayNode in = o.putArray("inputs");
            l.inputs().forEach(in::add);
            LayerCodec.encode(l.spec(), o);
        }
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes a network to a file (via a temporary file, so a failure leaves nothing half-written). */
    public static void write(NetworkSpec net, Path file) throws IOException {
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".network", ".tmp");
        try {
            Files.writeString(tmp, write(net));
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
