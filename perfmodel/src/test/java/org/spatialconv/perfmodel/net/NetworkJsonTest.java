package org.spatialconv.perfmodel.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetworkJsonTest {
    private static final String TINY = """
            {"name": "tiny", "input_channels": 3, "layers": [
              {"name": "c1", "type": "conv", "out_channels": 8, "kernel": [3, 5], "pad_lo": [1, 2], "pad_hi": [0, 2],
               "stride": 2, "dilation": 1, "bias": false},
              {"name": "b1", "type": "batchnorm"},
              {"name": "r1", "type": "leakyrelu", "slope": 0.1},
              {"name": "p1", "type": "avgpool", "kernel": 3, "stride": 1, "padding": 1},
              {"name": "d1", "type": "deconv", "out_channels": 8, "kernel": 3, "stride": 2, "padding": 1,
               "output_padding": 1},
              {"name": "u1", "type": "upsample", "mode": "bilinear", "scale": 2, "inputs": ["r1"]},
              {"name": "s", "type": "add", "inputs": ["d1", "u1"]},
              {"name": "cat", "type": "concat", "inputs": ["s", "input"]},
              {"name": "g", "type": "global_avg_pool"},
              {"name": "fc", "type": "fc", "out_features": 4},
              {"name": "loss", "type": "softmax_ce_loss"}
            ]}""";

    @Test
    void parsesEveryFieldAndInfersShapes() {
        NetworkSpec net = NetworkJson.parse(TINY);
        Map<String, TensorShape> s = net.inferShapes(new TensorShape(2, 3, 16, 16));
        // conv: H = (16+1+0-3)/2+1 = 8, W = (16+4-5)/2+1 = 8
        assertEquals(new TensorShape(2, 8, 8, 8), s.get("c1"));
        assertEquals(new TensorShape(2, 8, 8, 8), s.get("p1"));
        // deconv: (8-1)*2 - 2 + 2 + 1 + 1 = 16
        assertEquals(new TensorShape(2, 8, 16, 16), s.get("d1"));
        assertEquals(new TensorShape(2, 8, 16, 16), s.get("u1"));
        assertEquals(new TensorShape(2, 11, 16, 16), s.get("cat"));
        assertEquals(new TensorShape(2, 4, 1, 1), s.get("fc"));
        assertEquals(List.of("p1"), net.layer("d1").inputs());
        ConvSpec c1 = (ConvSpec) net.layer("c1").spec();
        assertEquals(new Hw(1, 2), c1.padLo());
        assertEquals(new Hw(0, 2), c1.padHi());
        // params: conv 8*3*3*5, bn 16, deconv 8*8*9+8, fc 11*4+4
        assertEquals(8 * 3 * 15 + 16 + 8 * 8 * 9 + 8 + 11 * 4 + 4, net.paramCount(new TensorShape(1, 3, 16, 16)));
    }

    @Test
    void roundTripIsExact(@TempDir Path dir) throws Exception {
        NetworkSpec net = NetworkJson.parse(TINY);
        assertEquals(net, NetworkJson.parse(NetworkJson.write(net)));
        Path f = dir.resolve("tiny.json");
        NetworkJson.write(net, f);
        assertEquals(net, NetworkJson.read(f));
    }

    @Test
    void badFilesGiveOneErrorNamingTheLayer(@TempDir Path dir) throws Exception {
        assertError(TINY.replace("\"type\": \"batchnorm\"", "\"type\": \"groupnorm\""),
                "layer 'b1': unknown type 'groupnorm'");
        assertError(TINY.replace("\"kernel\": [3, 5]", "\"kernal\": [3, 5]"), "layer 'c1': missing field 'kernel'");
        assertError(TINY.replace("\"slope\": 0.1", "\"slope\": 0.1, \"alpha\": 2"), "layer 'r1': unknown field 'alpha'");
        assertError(TINY.replace("\"slope\": 0.1", "\"slope\": 1.5"), "layer 'r1': leakyrelu slope must be in [0, 1), got 1.5");
        assertError(TINY.replace("\"inputs\": [\"d1\", \"u1\"]", "\"inputs\": [\"d1\", \"nope\"]"),
                "layer 's': input 'nope'");
        assertError(TINY.replace("\"out_channels\": 8, \"kernel\": [3, 5]", "\"out_channels\": -1, \"kernel\": [3, 5]"),
                "layer 'c1': conv: out_channels");
        assertError("{\"input_channels\": 3, \"layers\": [", "not valid JSON");
        // shapes that do not match are found at inference and name the layer
        NetworkSpec bad = NetworkJson.parse(TINY.replace("\"scale\": 2", "\"scale\": 3"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> bad.inferShapes(new TensorShape(2, 3, 16, 16)));
        assertTrue(e.getMessage().startsWith("layer 's' (add"), e.getMessage());
        Path f = dir.resolve("bad.json");
        Files.writeString(f, TINY.replace("\"type\": \"relu\"", "x").replace("\"fc\", \"type\": \"fc\"",
                "\"fc\", \"type\": \"dense\""));
        e = assertThrows(IllegalArgumentException.class, () -> NetworkJson.read(f));
        assertTrue(e.getMessage().startsWith("network file " + f + ": layer 'fc': unknown type 'dense'"),
                e.getMessage());
    }

    private static void assertError(String json, String expectedStart) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NetworkJson.parse(json));
        assertTrue(e.getMessage().startsWith(expectedStart), e.getMessage());
    }
}
