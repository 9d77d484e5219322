package org.spatialconv.perfmodel.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the CLI in-process and keeps what it printed, for the verb tests. */
abstract class CliHarness {
    /** Standard output of the last {@link #run}. */
    protected String out;
    /** Standard error of the last {@link #run}. */
    protected String err;

    /** Executes {@code spatialconv ARGS} and returns its exit code. */
    protected int run(String... args) {
        CommandLine cl = SpatialconvCli.commandLine();
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        cl.setOut(new PrintWriter(o));
        cl.setErr(new PrintWriter(e));
        int code = cl.execute(args);
        out = o.toString();
        err = e.toString();
        return code;
    }
}
