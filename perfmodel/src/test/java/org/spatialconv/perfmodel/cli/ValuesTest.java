package org.spatialconv.perfmodel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.spatialconv.conv.Tensor;
import picocli.CommandLine.TypeConversionException;

/** Option value parsing and the all-or-nothing output writer. */
class ValuesTest {
    @TempDir
    Path dir;

    @Test
    void pairsAndSizes() {
        IntPair.Converter pair = new IntPair.Converter();
        assertEquals(new IntPair(2, 2), pair.convert("2"));
        assertEquals(new IntPair(3, 1), pair.convert(" 3,1 "));
        assertEquals(new IntPair(0, 0), pair.convert("0"));
        IntPair.SizeConverter size = new IntPair.SizeConverter();
        assertEquals(new IntPair(1024, 512), size.convert("1024x512"));
        assertEquals(new IntPair(64, 64), size.convert("64"));
        assertEquals(new IntPair(7, 9), size.convert("7X9"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "2x", "-1", "1,2,3", "a", "1,", ",1", "1.5", "99999999999"})
    void badPairs(String text) {
        assertThrows(TypeConversionException.class, () -> new IntPair.Converter().convert(text));
    }

    @Test
    void grids() {
        GridSpec.Converter c = new GridSpec.Converter();
        GridSpec g = c.convert("2,1,4");
        assertEquals(new GridSpec(2, 1, 4), g);
        assertEquals(8, g.ranks());
        assertEquals("2,1,4", g.toString());
        assertTrue(c.convert("1,1,1").isSingle());
        for (String bad : new String[] {"1,2", "1,2,3,4", "0,1,1", "1,,1", "x,1,1", "1x1x1"}) {
            assertThrows(TypeConversionException.class, () -> c.convert(bad), bad);
        }
    }

    @Test
    void messagesFoldOntoOneLine() {
        assertEquals("a; b; c", SpatialconvCli.oneLine("a\nb\r\n  c\n"));
    }

    @Test
    void outputsAreWrittenAllOrNothing() throws IOException {
        Path good = dir.resolve("a.npy");
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path doomed = sub.resolve("b.npy");
        OutputSet set = new OutputSet();
        set.declare(good, "--output");
        set.declare(doomed, "--grad-input");
        Files.delete(sub); // the second output's folder vanishes after validation
        Map<Path, Tensor> outputs = new LinkedHashMap<>();
        outputs.put(good, Tensor.zeros(2, 3));
        outputs.put(doomed, Tensor.zeros(4));
        assertThrows(IOException.class, () -> set.writeAll(outputs));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(0, s.count(), "neither the first output nor a temporary file may remain");
        }
    }

    @Test
    void declareRejectsDuplicatesAndFolders() {
        OutputSet set = new OutputSet();
        set.declare(dir.resolve("y.npy"), "--output");
        UserException dup = assertThrows(UserException.class,
                () -> set.declare(dir.resolve("./y.npy"), "--grad-input"));
        assertTrue(dup.getMessage().contains("same file"), dup.getMessage());
        assertThrows(UserException.class, () -> set.declare(dir, "--grad-weight"));
    }
}
