package org.spatialconv.perfmodel.zoo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.spatialconv.perfmodel.net.NetworkJson;
import org.spatialconv.perfmodel.net.NetworkSpec;

/** Looks models up by name ({@code resnet50}, {@code unet}, {@code meshnet}) or reads a JSON network file. */
public final class ModelZoo {
    /** Names of the built-in models. */
    public static final List<String> NAMES = List.of("resnet50", "unet", "meshnet");

    private ModelZoo() {
    }

    /** A built-in model by name. */
    public static NetworkSpec byName(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "resnet50", "resnet-50" -> ResNet50.build(1000);
            case "unet", "u-net" -> UNet.build();
            case "meshnet" -> MeshNet.build();
            default -> throw new IllegalArgumentException("unknown model '" + name + "' (built-in: "
                    + String.join(", ", NAMES) + ", or a .json network file)");
        };
    }

    /** A built-in model name, or the path of a JSON network file (anything ending in .json or existing). */
    public static NetworkSpec resolve(String modelOrFile) {
        if (modelOrFile.endsWith(".json") || Files.isRegularFile(Path.of(modelOrFile))) {
            Path p = Path.of(modelOrFile);
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("network file " + modelOrFile + " does not exist");
            }
            return NetworkJson.read(p);
        }
        return byName(modelOrFile);
    }
}
