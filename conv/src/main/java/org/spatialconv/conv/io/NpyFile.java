package org.spatialconv.conv.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;

/**
 * Reads and writes NumPy {@code .npy} files holding little-endian float32 arrays in C order ({@code '<f4'}),
 * with version 1.0, 2.0 or 3.0 headers.
 *
 * <p>Format: the magic {@code \x93NUMPY}, a major and minor version byte, the header length (2 bytes little-endian
 * for version 1, 4 bytes for versions 2 and 3), then a Python dict literal with {@code descr}, {@code fortran_order}
 * and {@code shape}, padded with spaces and a final newline so the data starts at a multiple of 64 bytes.
 *
 * <p>Anything else (float64, Fortran order, big-endian, a truncated file, a bad magic) is rejected with an
 * {@link IllegalArgumentException} whose one-line message starts with the file name and says what is wrong.
 * Writes are atomic (see {@link AtomicFiles}).
 */
public final class NpyFile {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy aligns the start of the data to this many bytes. */
    private static final int ALIGN = 64;
    private static final String DESCR = "<f4";
    private static final Pattern DESCR_RE = Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
    private static final Pattern FORTRAN_RE = Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
    private static final Pattern SHAPE_RE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");

    private NpyFile() {
    }

    /** What a header says: the array shape and where the data starts. */
    private record Header(Shape shape, long dataOffset) {
    }

    /**
     * Reads only the header and returns the array's shape.
     *
     * @throws IllegalArgumentException if the file is missing or not a float32 C-order {@code .npy} file
     * @throws IOException on other read failures
     */
    public static Shape readShape(Path file) throws IOException {
        try (FileChannel ch = open(file)) {
            Header h = readHeader(file, ch);
            checkLength(file, ch.size(), h);
            return h.shape();
        }
    }

    /**
     * Reads a whole float32 array.
     *
     * @throws IllegalArgumentException if the file is missing or not a float32 C-order {@code .npy} file
     * @throws IOException on other read failures
     */
    public static Tensor read(Path file) throws IOException {
        try (FileChannel ch = open(file)) {
            Header h = readHeader(file, ch);
            checkLength(file, ch.size(), h);
            float[] data = new float[h.shape().size()];
            ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            long pos = h.dataOffset();
            int filled = 0;
            while (filled < data.length) {
                buf.clear();
                buf.limit((int) Math.min(buf.capacity(), 4L * (data.length - filled)));
                while (buf.hasRemaining()) {
                    int n = ch.read(buf, pos);
                    if (n < 0) {
                        throw error(file, "truncated while reading data");
                    }
                    pos += n;
                }
                buf.flip();
                int count = buf.remaining() / 4;
                buf.asFloatBuffer().get(data, filled, count);
                filled += count;
            }
            return new Tensor(h.shape(), data);
        }
    }

    /**
     * Writes {@code t} as a float32 C-order {@code .npy} file (version 1.0 header unless the shape needs 2.0),
     * atomically: on failure no file appears under {@code file}.
     */
    public static void write(Path file, Tensor t) throws IOException {
        AtomicFiles.write(file, tmp -> writeTo(tmp, t));
    }

    /** Writes {@code t} to {@code file} directly, not atomically (for callers that stage their own files). */
    public static void writeTo(Path file, Tensor t) throws IOException {
        byte[] header = header(t.shape());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, ByteBuffer.wrap(header));
            ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            float[] data = t.data();
            int done = 0;
            while (done < data.length) {
                buf.clear();
                int count = Math.min(buf.capacity() / 4, data.length - done);
                buf.asFloatBuffer().put(data, done, count);
                buf.limit(4 * count);
                writeFully(ch, buf);
                done += count;
            }
        }
    }

    /** The full header bytes (magic, version, length, padded dict) for {@code shape}. */
    static byte[] header(Shape shape) {
        StringBuilder dims = new StringBuilder();
        for (int i = 0; i < shape.rank(); i++) {
            dims.append(shape.dim(i)).append(i == 0 && shape.rank() == 1 ? "," : (i + 1 < shape.rank() ? ", " : ""));
        }
        String dict = "{'descr': '" + DESCR + "', 'fortran_order': False, 'shape': (" + dims + "), }";
        int major = 1;
        int prefix = MAGIC.length + 2 + 2;
        int total = roundUp(prefix + dict.length() + 1);
        if (total - prefix > 0xFFFF) {
            major = 2;
            prefix = MAGIC.length + 2 + 4;
            total = roundUp(prefix + dict.length() + 1);
        }
        int headerLen = total - prefix;
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            b.putShort((short) headerLen);
        } else {
            b.putInt(headerLen);
        }
        b.put(dict.getBytes(StandardCharsets.US_ASCII));
        while (b.position() < total - 1) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        return b.array();
    }

    private static int roundUp(int n) {
        return (n + ALIGN - 1) / ALIGN * ALIGN;
    }

    private static FileChannel open(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw error(file, "is a folder, not a .npy file");
        }
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw error(file, "no such file");
        } catch (AccessDeniedException e) {
            throw error(file, "permission denied");
        }
    }

    private static Header readHeader(Path file, FileChannel ch) throws IOException {
        ByteBuffer pre = readAt(file, ch, 0, MAGIC.length + 2, "not a .npy file (too short for the magic)");
        for (byte m : MAGIC) {
            if (pre.get() != m) {
                throw error(file, "not a .npy file (bad magic; expected \\x93NUMPY)");
            }
        }
        int major = pre.get() & 0xFF;
        int minor = pre.get() & 0xFF;
        if (major < 1 || major > 3 || minor != 0) {
            throw error(file, "unsupported .npy format version " + major + "." + minor + " (supported: 1.0, 2.0, 3.0)");
        }
        int lenBytes = major == 1 ? 2 : 4;
        ByteBuffer lb = readAt(file, ch, MAGIC.length + 2, lenBytes, "truncated header");
        long headerLen = major == 1 ? lb.getShort() & 0xFFFF : lb.getInt() & 0xFFFFFFFFL;
        long start = MAGIC.length + 2L + lenBytes;
        if (headerLen > 1 << 24) {
            throw error(file, "header length " + headerLen + " is implausibly large");
        }
        ByteBuffer hb = readAt(file, ch, start, (int) headerLen, "truncated header");
        String dict = new String(hb.array(), 0, (int) headerLen,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1).trim();
        Matcher d = DESCR_RE.matcher(dict);
        Matcher f = FORTRAN_RE.matcher(dict);
        Matcher s = SHAPE_RE.matcher(dict);
        if (!d.find() || !f.find() || !s.find()) {
            throw error(file, "malformed header " + dict);
        }
        String descr = d.group(1);
        if (!DESCR.equals(descr)) {
            throw error(file, "dtype '" + descr + "' (" + describe(descr) + ") is not supported; only float32 "
                    + "little-endian ('<f4') is (convert with arr.astype('<f4'))");
        }
        if (f.group(1).equals("True")) {
            throw error(file, "Fortran-order arrays are not supported; save a C-order array "
                    + "(numpy.ascontiguousarray)");
        }
        return new Header(parseShape(file, s.group(1)), start + headerLen);
    }

    private static Shape parseShape(Path file, String text) {
        String[] parts = text.split(",");
        int count = 0;
        for (String p : parts) {
            if (!p.isBlank()) {
                count++;
            }
        }
        if (count == 0) {
            throw error(file, "0-dimensional (scalar) arrays are not supported");
        }
        int[] dims = new int[count];
        int i = 0;
        for (String p : parts) {
            if (p.isBlank()) {
                continue;
            }
            String v = p.trim();
            if (v.endsWith("L")) {
                v = v.substring(0, v.length() - 1);
            }
            long dim;
            try {
                dim = Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw error(file, "malformed shape (" + text + ")");
            }
            if (dim <= 0) {
                throw error(file, "shape (" + text.trim() + ") has an empty dimension");
            }
            if (dim > Integer.MAX_VALUE) {
                throw error(file, "shape (" + text.trim() + ") is too large");
            }
            dims[i++] = (int) dim;
        }
        try {
            return Shape.of(dims);
        } catch (IllegalArgumentException e) {
            throw error(file, e.getMessage());
        }
    }

    private static void checkLength(Path file, long fileSize, Header h) {
        long want = h.dataOffset() + 4L * h.shape().size();
        if (fileSize < want) {
            throw error(file, "truncated: shape " + h.shape() + " needs " + (want - h.dataOffset())
                    + " data bytes but the file has " + Math.max(0, fileSize - h.dataOffset()));
        }
        if (fileSize > want) {
            throw error(file, "has " + (fileSize - want) + " unexpected bytes after the data of shape " + h.shape());
        }
    }

    private static String describe(String descr) {
        if (descr.length() < 2) {
            return "unknown";
        }
        char order = descr.charAt(0);
        String kind = descr.substring(1);
        String type = switch (kind) {
            case "f8" -> "float64";
            case "f4" -> "float32";
            case "f2" -> "float16";
            case "i4" -> "int32";
            case "i8" -> "int64";
            case "u1" -> "uint8";
            case "b1" -> "bool";
            default -> kind;
        };
        return order == '>' ? type + ", big-endian" : type;
    }

    private static ByteBuffer readAt(Path file, FileChannel ch, long pos, int len, String what) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            int n = ch.read(b, pos + b.position());
            if (n < 0) {
                throw error(file, what);
            }
        }
        b.flip();
        return b;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static IllegalArgumentException error(Path file, String problem) {
        return new IllegalArgumentException(file + ": " + problem);
    }
}
