package org.spatialconv.perfmodel.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.spatialconv.conv.ConvGeometry;
import org.spatialconv.conv.Shape;
import org.spatialconv.conv.Tensor;
import org.spatialconv.conv.io.NpyFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code spatialconv conv}: one convolution layer on {@code .npy} files, forward and, with {@code --grad-output},
 * both backward passes. Everything is validated (options, files, shapes, output folders) before any computing,
 * and the outputs are written all or nothing.
 */
@Command(name = "conv", mixinStandardHelpOptions = true, versionProvider = SpatialconvCli.Version.class,
        sortOptions = false,
        description = {"Runs one 2-D convolution layer on .npy files (float32, C order).",
            "Input is N,C,H,W; weight is K,C/groups,R,S (PyTorch's layout); bias is K.",
            "With --grad-output it also runs backward-data and backward-filter (and the bias gradient)."})
public final class ConvCommand extends CliCommand {
    @Option(names = "--input", required = true, paramLabel = "X.npy", description = "Input, N,C,H,W.")
    Path input;

    @Option(names = "--weight", required = true, paramLabel = "W.npy", description = "Weights, K,C/groups,R,S.")
    Path weight;

    @Option(names = "--bias", paramLabel = "B.npy", description = "Bias, K (optional).")
    Path bias;

    @Option(names = "--stride", paramLabel = "S", defaultValue = "1", converter = IntPair.Converter.class,
            description = "Stride: a or a,b (height,width). Default: ${DEFAULT-VALUE}.")
    IntPair stride;

    @Option(names = "--padding", paramLabel = "P", defaultValue = "0", converter = IntPair.Converter.class,
            description = "Zero padding on both sides: a or a,b (height,width). Default: ${DEFAULT-VALUE}.")
    IntPair padding;

    @Option(names = "--dilation", paramLabel = "D", defaultValue = "1", converter = IntPair.Converter.class,
            description = "Dilation: a or a,b (height,width). Default: ${DEFAULT-VALUE}.")
    IntPair dilation;

    @Option(names = "--groups", paramLabel = "G", defaultValue = "1", description = "Groups. Default: ${DEFAULT-VALUE}.")
    int groups;

    @Option(names = "--grid", paramLabel = "n,h,w", defaultValue = "1,1,1", converter = GridSpec.Converter.class,
            description = "Process grid over samples, rows, columns. Default: ${DEFAULT-VALUE}.")
    GridSpec grid;

    @Mixin
    LaunchOptions launch;

    @Option(names = "--output", required = true, paramLabel = "Y.npy", description = "Output, N,K,OH,OW.")
    Path output;

    @Option(names = "--grad-output", paramLabel = "GY.npy", description = "Output gradient; runs the backward passes.")
    Path gradOutput;

    @Option(names = "--grad-input", paramLabel = "GX.npy", description = "Input gradient (needs --grad-output).")
    Path gradInput;

    @Option(names = "--grad-weight", paramLabel = "GW.npy", description = "Weight gradient (needs --grad-output).")
    Path gradWeight;

    @Option(names = "--grad-bias", paramLabel = "GB.npy", description = "Bias gradient (optional, needs --grad-output).")
    Path gradBias;

    @Override
    protected int execute() throws IOException {
        // 1. options that must go together, and every output path, before reading anything large
        checkGradientOptions();
        OutputSet outputs = new OutputSet();
        outputs.declare(output, "--output");
        outputs.declare(gradInput, "--grad-input");
        outputs.declare(gradWeight, "--grad-weight");
        outputs.declare(gradBias, "--grad-bias");

        // 2. geometry and file shapes (headers only), so a mismatch costs no reading of data
        Shape xs = readShape(input);
        ConvGeometry g = geometry();
        Shape ws = readShape(weight);
        Shape ys = outputShape(g, xs, ws);
        if (bias != null) {
            Shape bs = readShape(bias);
            if (!bs.equals(Shape.of(ws.dim(0)))) {
                throw new UserException("--bias " + bias + " has shape " + bs + " but the weight has " + ws.dim(0)
                        + " filters (expected shape " + ws.dim(0) + ")");
            }
        }
        if (gradOutput != null) {
            Shape gys = readShape(gradOutput);
            if (!gys.equals(ys)) {
                throw new UserException("--grad-output " + gradOutput + " has shape " + gys
                        + " but the output has shape " + ys);
            }
        }
        LayerExecution.checkGridFits(grid, xs);
        if (launch.launchIfRequested(spec(), grid)) {
            return 0; // the ranks computed and rank 0 wrote the outputs
        }

        // 3. data (only rank 0 reads when ranks are processes), and the executor (which rejects grids it cannot run)
        boolean reader = MpjRanks.rank() == 0;
        Tensor x = reader ? read(input) : Tensor.zeros(xs);
        Tensor w = reader ? read(weight) : Tensor.zeros(ws);
        Tensor b = bias == null ? null : reader ? read(bias) : Tensor.zeros(ws.dim(0));
        Tensor gy = gradOutput == null ? null : reader ? read(gradOutput) : Tensor.zeros(ys);
        Progress progress = new Progress(err(), commandName());
        Map<Path, Tensor> results = new LinkedHashMap<>();
        try (LayerExecutor exec = LayerExecution.open(g, grid, Runtime.getRuntime().availableProcessors())) {
            Tensor y = Tensor.zeros(ys);
            progress.update("forward");
            exec.forward(x, w, b, y);
            results.put(output, y);
            if (gy != null) {
                progress.update("backward-data");
                Tensor gx = Tensor.zeros(xs);
                exec.backwardData(gy, w, gx);
                results.put(gradInput, gx);
                progress.update("backward-filter");
                Tensor gw = Tensor.zeros(ws);
                exec.backwardFilter(x, gy, gw);
                results.put(gradWeight, gw);
                if (gradBias != null) {
                    Tensor gb = Tensor.zeros(ws.dim(0));
                    exec.biasBackward(gy, gb);
                    results.put(gradBias, gb);
                }
            }
        }
        if (reader) {
            progress.update("writing outputs");
            outputs.writeAll(results);
        }
        return 0;
    }

    private void checkGradientOptions() {
        if (gradOutput == null) {
            for (Object[] o : new Object[][] {{gradInput, "--grad-input"}, {gradWeight, "--grad-weight"},
                {gradBias, "--grad-bias"}}) {
                if (o[0] != null) {
                    throw new UserException(o[1] + " needs --grad-output");
                }
            }
        } else if (gradInput == null || gradWeight == null) {
            throw new UserException("--grad-output needs both --grad-input and --grad-weight");
        }
    }

    private ConvGeometry geometry() {
        // the kernel size comes from the weight file, everything else from the options
        Shape ws = readShape(weight);
        if (ws.rank() != 4) {
            throw new UserException("--weight " + weight + " must have 4 dimensions (K,C/groups,R,S), got " + ws);
        }
        try {
            return ConvGeometry.of2d(ws.dim(2), ws.dim(3), stride.h(), stride.w(), padding.h(), padding.w(),
                    dilation.h(), dilation.w(), groups);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        }
    }

    private static Shape outputShape(ConvGeometry g, Shape xs, Shape ws) {
        try {
            return g.outputShape(xs, ws);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        }
    }

    private static Shape readShape(Path file) {
        try {
            return NpyFile.readShape(file);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        } catch (IOException e) {
            throw new UserException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static Tensor read(Path file) {
        try {
            return NpyFile.read(file);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        } catch (IOException e) {
            throw new UserException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }
}
