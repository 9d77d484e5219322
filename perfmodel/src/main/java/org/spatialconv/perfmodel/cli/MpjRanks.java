package org.spatialconv.perfmodel.cli;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.spatialconv.decomposition.comm.Communicator;
import org.spatialconv.mpj.launch.RankTask;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;

/**
 * The CLI as an MPJ rank: {@code spatialconv conv|bench conv --launch mpj} starts one process per grid cell, each
 * running this task, which runs the same command with the world communicator installed. Inside a rank,
 * {@link LayerExecution#open} splits the layer over that communicator, rank 0 reads the inputs and writes the
 * outputs, and only rank 0 prints. A rank process holds exactly one world, so it is kept in a static field that
 * is set once, by {@link #run}, before the command runs.
 */
public final class MpjRanks implements RankTask {
    private static volatile Communicator world;

    /** Public for the launcher, which instantiates rank tasks by class name. */
    public MpjRanks() {
    }

    /** True inside a rank process started by {@code --launch mpj}. */
    static boolean inRank() {
        return world != null;
    }

    /** The world communicator of this rank process. */
    static Communicator world() {
        Communicator w = world;
        if (w == null) {
            throw new IllegalStateException("not running as an MPJ rank");
        }
        return w;
    }

    /** This process's rank, 0 outside rank processes (the only process then reads and writes). */
    static int rank() {
        Communicator w = world;
        return w == null ? 0 : w.rank();
    }

    @Override
    public void run(Communicator comm, List<String> args) throws Exception {
        world = comm;
        CommandLine cl = SpatialconvCli.commandLine();
        if (comm.rank() != 0) {
            // Results are rank 0's to print; errors still go to standard error, prefixed by the launcher.
            cl.setOut(new PrintWriter(OutputStream.nullOutputStream()));
        }
        // Keep the command's exception: the launcher tells a rank's own failure from the echo of a peer's by it.
        AtomicReference<Exception> thrown = new AtomicReference<>();
        IExecutionExceptionHandler print = cl.getExecutionExceptionHandler();
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            thrown.set(ex);
            return print.handleExecutionException(ex, c, parsed);
        });
        int code = cl.execute(args.toArray(String[]::new));
        if (code != 0) {
            if (thrown.get() != null) {
                throw thrown.get();
            }
            throw new IllegalStateException("spatialconv " + String.join(" ", args.subList(0, Math.min(2,
                    args.size()))) + " exited with status " + code + " on rank " + comm.rank());
        }
    }
}
