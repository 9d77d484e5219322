package org.spatialconv.perfmodel.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Properties;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.spatialconv.conv.SettingException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code spatialconv} command: entry point and error policy. Every error is one line on standard error,
 * {@code spatialconv: error: ...}, with exit code 2 for usage and input errors ({@link UserException}, bad
 * options) and 1 for runtime failures; stack traces only with {@code --debug} or {@code SPATIALCONV_DEBUG=1}.
 */
@Command(name = "spatialconv", mixinStandardHelpOptions = true, versionProvider = SpatialconvCli.Version.class,
        description = "Spatially decomposed convolutions on the JVM.",
        footer = "Exit codes: 0 success, 1 runtime failure, 2 usage or input error.")
public final class SpatialconvCli implements Runnable {
    /** Exit code for runtime failures. */
    public static final int EXIT_FAILURE = 1;
    private static final String PREFIX = "spatialconv: error: ";

    @Spec
    private CommandSpec spec;

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "Print stack traces on errors (also: environment SPATIALCONV_DEBUG=1).")
    private boolean debug;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: choose one of "
                + String.join(", ", spec.subcommands().keySet()));
    }

    /**
     * netlib-java logs a warning for each BLAS implementation it cannot load (e.g. the Vector API one, which
     * needs an incubator module) even when it then uses native OpenBLAS; kept quiet unless debugging. Held in a
     * field because java.util.logging keeps loggers weakly.
     */
    private static final Logger NETLIB_LOG = Logger.getLogger("dev.ludovic.netlib");

    /** Runs the CLI and exits with its exit code. */
    public static void main(String[] args) {
        if (!envDebug() && !Arrays.asList(args).contains("--debug")) {
            NETLIB_LOG.setLevel(Level.SEVERE);
        }
        System.exit(commandLine().execute(args));
    }

    /** A fully configured command line (all verbs, error handlers); set its streams with setOut/setErr. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new SpatialconvCli());
        for (Supplier<Object> verb : Verbs.TOP_LEVEL) {
            cl.addSubcommand(verb.get());
        }
        CommandLine bench = cl.getSubcommands().get("bench");
        for (Supplier<Object> b : Verbs.BENCHMARKS) {
            bench.addSubcommand(b.get());
        }
        cl.setParameterExceptionHandler(SpatialconvCli::onParameterError);
        cl.setExecutionExceptionHandler(SpatialconvCli::onExecutionError);
        return cl;
    }

    private static int onParameterError(ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println(PREFIX + oneLine(ex.getMessage()) + " (see '" + cl.getCommandSpec().qualifiedName()
                + " --help')");
        if (debugRequested(args)) {
            ex.printStackTrace(err);
        }
        err.flush();
        return UserException.EXIT_CODE;
    }

    private static int onExecutionError(Exception ex, CommandLine cl, ParseResult parsed) {
        PrintWriter err = cl.getErr();
        SettingException setting = settingCause(ex);
        boolean user = ex instanceof UserException || setting != null;
        String msg = setting != null ? setting.getMessage() : ex.getMessage();
        if (!user && (msg == null || msg.isBlank() || ex instanceof NullPointerException)) {
            msg = ex.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
        }
        boolean debug = debugRequested(parsed);
        // a runtime failure may be a bug: say how to get the details, still on the one line
        err.println(PREFIX + oneLine(msg) + (user || debug ? "" : " (rerun with --debug for the stack trace)"));
        if (debug) {
            ex.printStackTrace(err);
        }
        err.flush();
        return user ? UserException.EXIT_CODE : EXIT_FAILURE;
    }

    /** A bad engine setting anywhere in the cause chain (a user error, like a bad option), or null. */
    private static SettingException settingCause(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof SettingException s) {
                return s;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    private static boolean debugRequested(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--debug")) {
                return true;
            }
        }
        return envDebug();
    }

    private static boolean debugRequested(String[] args) {
        for (String a : args) {
            if (a.equals("--debug")) {
                return true;
            }
        }
        return envDebug();
    }

    private static boolean envDebug() {
        String env = System.getenv("SPATIALCONV_DEBUG");
        return env != null && !env.isEmpty() && !env.equals("0");
    }

    /** Folds a message onto one line. */
    static String oneLine(String msg) {
        return msg == null ? "" : msg.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    /** Version from the build (resource filtered by Maven). */
    public static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = SpatialconvCli.class.getResourceAsStream("/spatialconv-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"spatialconv " + p.getProperty("version", "unknown"),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
