package org.spatialconv.perfmodel.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProfilesTest {
    private static final List<String> NUMBERS = List.of("ranks_per_node", "device.memory_bytes",
            "device.reserved_bytes", "device.memory_bandwidth", "device.peak_flops", "device.conv_efficiency",
            "device.kernel_overhead_s", "links.intra.alpha_s", "links.intra.bandwidth", "links.inter.alpha_s",
            "links.inter.bandwidth");

    @Test
    void builtInsParseAndSourceEveryNumber() {
        for (String name : Profiles.BUILT_IN) {
            MachineProfile p = Profiles.resolve(name);
            assertEquals(name, p.name());
            for (String field : NUMBERS) {
                String src = p.sources().get(field);
                assertTrue(src != null && src.length() > 10, name + ": no source for " + field);
            }
            assertFalse(p.measured());
        }
        MachineProfile lassen = Profiles.builtIn("lassen");
        assertEquals(16L << 30, lassen.device().memoryBytes());
        assertEquals(1.57e13, lassen.device().peakFlops());
        assertEquals(4, lassen.ranksPerNode());
        assertEquals(8, Profiles.builtIn("h100").ranksPerNode());
    }

    @Test
    void roundTripKeepsEverything() {
        MachineProfile p = Profiles.builtIn("h100").withConvTable(new ConvTable(List.of(
                new ConvTiming("fwd", 3, 8, 3, 3, 1, 1, 1, 1, 16, 16, 1e-3),
                new ConvTiming("fwd", 3, 8, 3, 3, 1, 1, 1, 1, 32, 32, 3e-3))));
        MachineProfile back = Profiles.parse(Profiles.write(p), "test");
        assertEquals(p.device(), back.device());
        assertEquals(p.intra(), back.intra());
        assertEquals(p.inter(), back.inter());
        assertEquals(p.sources(), back.sources());
        assertEquals(p.convTable().entries(), back.convTable().entries());
    }

    @Test
    void tableInterpolatesAndExtrapolatesByPixels() {
        ConvTable t = new ConvTable(List.of(new ConvTiming("fwd", 3, 8, 3, 3, 1, 1, 1, 1, 10, 10, 1.0),
                new ConvTiming("fwd", 3, 8, 3, 3, 1, 1, 1, 1, 20, 20, 3.0)));
        String key = ConvTiming.key("fwd", 3, 8, 3, 3, 1, 1, 1);
        assertEquals(1.0, t.seconds(key, 100), 1e-12);
        assertEquals(2.0, t.seconds(key, 250), 1e-12); // halfway between 100 and 400 pixels
        assertEquals(6.0, t.seconds(key, 800), 1e-12); // proportional beyond the last point
        assertEquals(0.5, t.seconds(key, 50), 1e-12);
        assertTrue(Double.isNaN(t.seconds(ConvTiming.key("bwd_data", 3, 8, 3, 3, 1, 1, 1), 100)));
    }

    @Test
    void badProfilesAreOneClearError() {
        String good = Profiles.write(Profiles.builtIn("lassen"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Profiles.parse(good.replace("\"peak_flops\"", "\"peak\""), "x.json"));
        assertTrue(e.getMessage().startsWith("machine profile x.json, device: "), e.getMessage());
        assertTrue(e.getMessage().contains("peak"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Profiles.parse(good.replace("\"inter\"", "\"between\""), "x.json"));
        assertTrue(e.getMessage().contains("missing field 'inter'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Profiles.resolve("summit"));
        assertTrue(e.getMessage().startsWith("unknown machine 'summit'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Profiles.resolve("/nonexistent/p.json"));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Profiles.parse("{", "x.json"));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }
}
