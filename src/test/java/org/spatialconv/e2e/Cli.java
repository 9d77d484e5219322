package org.spatialconv.e2e;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.spatialconv.perfmodel.cli.SpatialconvCli;
import picocli.CommandLine;

/** Runs the {@code spatialconv} CLI in this JVM with captured output and error streams. */
final class Cli {
    private Cli() {
    }

    /** What one invocation produced. */
    record Result(int exitCode, String out, String err) {
        /** A readable summary for assertion messages. */
        String describe() {
            return "exit " + exitCode + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
        }
    }

    static Result run(String... args) {
        CommandLine cl = SpatialconvCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
