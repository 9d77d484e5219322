package org.spatialconv.perfmodel.net;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads typed fields out of one JSON object, remembering which it consumed so that {@link #finish} can reject
 * unknown fields; every error names the owner (e.g. "layer 'conv1'"). Package-private helper of the JSON codecs;
 * public so the profile reader can share it.
 */
public final class Fields {
    private final String owner;
    private final JsonNode node;
    private final Set<String> used = new LinkedHashSet<>();

    /** Starts reading {@code node}; {@code owner} prefixes every error message. */
    public Fields(String owner, JsonNode node) {
        this.owner = owner;
        this.node = node;
    }

    /** The error for this owner. */
    public IllegalArgumentException error(String message) {
        return new IllegalArgumentException(owner + ": " + message);
    }

    /** True if the field is present and not null (and marks it used). */
    public boolean has(String key) {
        used.add(key);
        return node.hasNonNull(key);
    }

    /** A required field of any kind. */
    public JsonNode required(String key) {
        if (!has(key)) {
            throw error("missing field '" + key + "'");
        }
        return node.get(key);
    }

    /** A required string. */
    public String requiredString(String key) {
        JsonNode v = required(key);
        if (!v.isTextual()) {
            throw error("field '" + key + "' must be a string");
        }
        return v.asText();
    }

    /** An optional string. */
    public String string(String key, String fallback) {
        return has(key) ? requiredString(key) : fallback;
    }

    /** A required integer. */
    public int requiredInt(String key) {
        JsonNode v = required(key);
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw error("field '" + key + "' must be an integer, got " + v);
        }
        return v.asInt();
    }

    /** An optional integer. */
    public int integer(String key, int fallback) {
        return has(key) ? requiredInt(key) : fallback;
    }

    /** A required number. */
    public double requiredNumber(String key) {
        JsonNode v = required(key);
        if (!v.isNumber()) {
            throw error("field '" + key + "' must be a number, got " + v);
        }
        return v.asDouble();
    }

    /** An optional number. */
    public double number(String key, double fallback) {
        return has(key) ? requiredNumber(key) : fallback;
    }

    /** An optional boolean. */
    public boolean bool(String key, boolean fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonNode v = node.get(key);
        if (!v.isBoolean()) {
            throw error("field '" + key + "' must be true or false, got " + v);
        }
        return v.asBoolean();
    }

    /** An optional per-dimension value: an integer or {@code [h, w]}. */
    public Hw hw(String key, Hw fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonNode v = node.get(key);
        if (v.isIntegralNumber() && v.canConvertToInt()) {
            return Hw.of(v.asInt());
        }
        if (v.isArray() && v.size() == 2 && v.get(0).isIntegralNumber() && v.get(1).isIntegralNumber()) {
            return new Hw(v.get(0).asInt(), v.get(1).asInt());
        }
        throw error("field '" + key + "' must be an integer or [h, w], got " + v);
    }

    /** An optional list of strings. */
    public List<String> stringList(String key, List<String> fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonNode v = node.get(key);
        if (!v.isArray()) {
            throw error("field '" + key + "' must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw error("field '" + key + "' must be an array of strings");
            }
            out.add(e.asText());
        }
        return out;
    }

    /** Throws if the object holds a field nobody asked for (catches typos such as "kernal"). */
    public void finish() {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!used.contains(n)) {
                throw error("unknown field '" + n + "' (known: " + String.join(", ", used) + ")");
            }
        }
    }
}
