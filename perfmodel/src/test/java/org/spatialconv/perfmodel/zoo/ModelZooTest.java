package org.spatialconv.perfmodel.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.spatialconv.perfmodel.net.NetworkJson;
import org.spatialconv.perfmodel.net.NetworkSpec;
import org.spatialconv.perfmodel.net.TensorShape;

class ModelZooTest {
    /** torchvision.models.resnet50().parameters() summed (weights and BN affine; running stats are buffers). */
    private static final long RESNET50_PARAMS = 25_557_032L;

    @Test
    void resnet50At224GivesThousandLogitsAndTorchvisionParameterCount() {
        NetworkSpec net = ModelZoo.byName("resnet50");
        Map<String, TensorShape> shapes = net.inferShapes(new TensorShape(32, 3, 224, 224));
        assertEquals(new TensorShape(32, 64, 112, 112), shapes.get("conv1"));
        assertEquals(new TensorShape(32, 64, 56, 56), shapes.get("maxpool"));
        assertEquals(new TensorShape(32, 256, 56, 56), shapes.get("layer1.2.relu3"));
        assertEquals(new TensorShape(32, 512, 28, 28), shapes.get("layer2.3.relu3"));
        assertEquals(new TensorShape(32, 1024, 14, 14), shapes.get("layer3.5.relu3"));
        assertEquals(new TensorShape(32, 2048, 7, 7), shapes.get("layer4.2.relu3"));
        assertEquals(new TensorShape(32, 1000, 1, 1), shapes.get("fc"));
        assertEquals(RESNET50_PARAMS, net.paramCount(new TensorShape(1, 3, 224, 224)));
        long convs = net.layers().stream().filter(l -> l.spec().type().equals("conv")).count();
        assertEquals(53, convs, "49 main-path convs + 4 projection shortcuts");
    }

    @Test
    void unetKeepsResolutionAndChannels() {
        NetworkSpec net = ModelZoo.byName("unet");
        Map<String, TensorShape> shapes = net.inferShapes(new TensorShape(2, 1, 1024, 1024));
        assertEquals(new TensorShape(2, 512, 64, 64), shapes.get("mid.relu2"));
        assertEquals(new TensorShape(2, 64, 1024, 1024), shapes.get("cat0"));
        assertEquals(new TensorShape(2, 1, 1024, 1024), shapes.get("head"));
        assertEquals(new TensorShape(1, 1, 1, 1), shapes.get("loss"));
        // hand count: convs 3x3 bias-free, BN 2C, deconv 2x2 with bias, head 1x1 with bias
        long expected = 0;
        int[] enc = {32, 64, 128, 256};
        int in = 1;
        for (int c : enc) {
            expected += 9L * in * c + 9L * c * c + 4L * c;
            in = c;
        }
        expected += 9L * 256 * 512 + 9L * 512 * 512 + 4L * 512;
        in = 512;
        for (int l = 3; l >= 0; l--) {
            int c = enc[l];
            expected += 4L * in * c + c;              // deconv
            expected += 9L * 2 * c * c + 9L * c * c + 4L * c; // two convs after concat
            in = c;
        }
        expected += 32 + 1;
        assertEquals(expected, net.paramCount(new TensorShape(1, 1, 64, 64)));
    }

    @Test
    void meshnetIsFullyConvolutionalAt2048() {
        NetworkSpec net = ModelZoo.byName("meshnet");
        Map<String, TensorShape> shapes = net.inferShapes(new TensorShape(1, 18, 2048, 2048));
        assertEquals(new TensorShape(1, 256, 256, 256), shapes.get("context2.act"));
        assertEquals(new TensorShape(1, 2, 2048, 2048), shapes.get("head"));
        assertTrue(net.layers().stream().noneMatch(l -> l.spec().type().equals("fc")));
    }

    @Test
    void everyZooModelRoundTripsThroughJson() {
        for (String name : ModelZoo.NAMES) {
            NetworkSpec net = ModelZoo.byName(name);
            NetworkSpec back = NetworkJson.parse(NetworkJson.write(net));
            assertEquals(net, back, name);
        }
        assertEquals(3, ModelZoo.NAMES.size());
    }

    @Test
    void unknownModelAndBadSizesAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelZoo.resolve("vgg"));
        assertTrue(e.getMessage().contains("unknown model 'vgg'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ModelZoo.byName("unet").inferShapes(new TensorShape(1, 1, 8, 8)));
        assertTrue(e.getMessage().startsWith("layer '"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ModelZoo.byName("unet").inferShapes(new TensorShape(1, 3, 64, 64)));
        assertTrue(e.getMessage().contains("expects 1 input channels"), e.getMessage());
    }
}
