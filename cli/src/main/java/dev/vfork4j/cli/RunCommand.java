package dev.vfork4j.cli;

import dev.vfork4j.Child;
import dev.vfork4j.Command;
import dev.vfork4j.ExitStatus;
import dev.vfork4j.Mechanism;
import dev.vfork4j.Redirect;
import dev.vfork4j.ResourceUsage;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vfork4j run [options] [--] program [args...]}: runs one program with all three
 * standard streams inherited and exits as it did, the way a shell reports it. SIGHUP, SIGINT
 * and SIGTERM sent to this JVM are forwarded to the program ({@link SignalRelay}) instead of
 * ending the JVM and orphaning it.
 */
@CommandLine.Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
        "Runs a program with stdin, stdout and stderr inherited and exits with its exit code "
            + "(128 + the signal number when a signal killed it).",
        "SIGHUP, SIGINT and SIGTERM sent to vfork4j go to the program, and vfork4j exits as the program "
            + "then does.",
        "Options end at the program name or at '--'.",
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0-255:the program's exit code, or 128 + the signal that killed it",
        "2:a usage error, or a mechanism that is not available here",
        "125:vfork4j itself failed",
        "127:the program could not be started",
    })
final class RunCommand implements Callable<Integer> {

    /** The program could not be started, as a shell reports a command it cannot find. */
    static final int CANNOT_RUN = 127;
    /** vfork4j failed for a reason other than the program: GNU env's and timeout's code for that. */
    static final int INTERNAL_FAILURE = 125;

    private CommandSpec spec;

    // Set on this command's own parser, not by whoever builds the CommandLine (main, tests),
    // so they hold however it is built. Options stop at the first positional so that
    // `run ls -l` needs no `--`: whatever follows the program name belongs to the program.
    @Spec
    void spec(CommandSpec spec) {
        this.spec = spec;
        spec.parser().stopAtPositional(true).caseInsensitiveEnumValuesAllowed(true);
    }

    @Option(names = {"-m", "--mechanism"}, paramLabel = "MECHANISM",
        description = "How to create the child: ${COMPLETION-CANDIDATES} (case-insensitive). "
            + "Default: the best one available here (see `vfork4j doctor`).")
    private Mechanism mechanism;

    @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE",
        description = "Sets an environment variable for the program, on top of this one's. Repeatable.")
    private Map<String, String> env = new LinkedHashMap<>();

    @Option(names = {"-C", "--directory"}, paramLabel = "DIR",
        description = "Runs the program in DIR instead of the current directory.")
    private Path directory;

    @Option(names = "--contain",
        description = "Runs the program in a cgroup v2 of its own, below vfork4j's: a signal forwarded to it reaches "
            + "everything it started, daemons included, and when the program exits whatever it left behind is "
            + "killed and the cgroup removed. Needs VFORK or FORK and a writable cgroup v2 (see `vfork4j doctor`).")
    private boolean contain;

    @Option(names = "--wait-delay", paramLabel = "DURATION", converter = DurationConverter.class,
        description = "Relays the program's stdout and stderr through vfork4j, and once the program has exited "
            + "waits at most DURATION (500ms, 2s, 1m, or ISO-8601 such as PT2S) for whatever it left behind to "
            + "close them; then vfork4j exits, and so a reader of vfork4j's output sees its end. "
            + "Default: stdout and stderr are the program's own, and nothing waits for them.")
    private Duration waitDelay;

    @Option(names = "--usage",
        description = "Prints what the program cost on exit, to stderr, as time(1) does: user and system CPU "
            + "time and wall time (with --contain: of everything it started).")
    private boolean usage;

    @Parameters(arity = "1..*", paramLabel = "PROGRAM", description = "The program and its arguments.")
    private List<String> argv;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        Command command;
        try {
            command = Command.of(argv).directory(directory);
            for (Map.Entry<String, String> e : env.entrySet()) {
                command = command.env(e.getKey(), e.getValue());
            }
        } catch (IllegalArgumentException e) {
            // A NUL byte or an empty program name: bad input, reported as picocli reports its own.
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        if (mechanism != null) {
            Optional<String> why = mechanism.unavailableReason();
            if (why.isPresent()) {
                err.println("vfork4j: mechanism " + mechanism + " is not available here: " + why.get());
                err.flush();
                return CommandLine.ExitCode.USAGE;
            }
            command = command.mechanism(mechanism);
        }
        // run() would do, but a signal must reach the child from the moment it exists, so the
        // relay is in place before the start and learns the child from start().
        command = command.stdin(Redirect.INHERIT).stdout(Redirect.INHERIT).stderr(Redirect.INHERIT);
        if (contain) {
            command = command.contained();
        }
        if (waitDelay != null) {
            FileChannel out = new FileOutputStream(FileDescriptor.out).getChannel();
            FileChannel errOut = new FileOutputStream(FileDescriptor.err).getChannel();
            command = command.waitDelay(waitDelay).onStdout(chunk -> writeAll(out, chunk)).onStderr(chunk -> writeAll(errOut, chunk));
        }
        try (SignalRelay relay = SignalRelay.install()) {
            Child child = command.start();
            relay.forwardTo(child);
            try {
                child.waitFor();
            } catch (InterruptedException e) {
                child.destroyForcibly().waitFor();
                throw e;
            }
            ExitStatus status = child.exitStatus();
            if (contain) {
                endTheRest(child);
            }
            if (usage) {
                err.println("vfork4j: " + status.usage().map(RunCommand::usageLine)
                    .orElse("usage not known: the " + child.mechanism() + " mechanism does not report it"));
                err.flush();
            }
            return status.exitValue();
        } catch (IOException e) {
            // start() throws IOException only while starting the child, so every one means the
            // program did not start. Usually a SpawnException; a JDK ProcessBuilder failure
            // whose message the library could not parse stays a plain IOException.
            err.println("vfork4j: " + oneLine(e.getMessage()));
            err.flush();
            return CANNOT_RUN;
        } catch (UnsupportedOperationException e) {
            // Refused before any child existed: --contain where no cgroup can be made, a mechanism that cannot contain.
            err.println("vfork4j: " + oneLine(e.getMessage()));
            err.flush();
            return CommandLine.ExitCode.USAGE;
        } catch (RuntimeException e) {
            err.println("vfork4j: " + e);
            err.flush();
            return INTERNAL_FAILURE;
        } catch (InterruptedException e) {
            // The child has been killed and reaped.
            Thread.currentThread().interrupt();
            err.println("vfork4j: interrupted while waiting for " + argv.getFirst());
            err.flush();
            return INTERNAL_FAILURE;
        }
    }

    /**
     * With --contain nothing the program started outlives {@code run}: what is left in its cgroup
     * is killed (cgroup.kill), and the cgroup's removal is waited for, a second at most.
     */
    private static void endTheRest(Child child) throws InterruptedException {
        Path cgroup = child.cgroup().orElse(null);
        if (cgroup == null || !java.nio.file.Files.exists(cgroup)) {
            return;
        }
        child.killTree(dev.vfork4j.Signal.SIGKILL);
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (java.nio.file.Files.exists(cgroup) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    /** {@code 0.30user 0.01system 0:00.32elapsed}, as GNU time(1) begins its line, then whose figures they are. */
    static String usageLine(ResourceUsage u) {
        long wallCentis = u.wallTime().toMillis() / 10;
        return String.format(Locale.ROOT, "%d.%02duser %d.%02dsystem %d:%02d.%02delapsed (%s)",
            u.userTime().toMillis() / 1000, u.userTime().toMillis() / 10 % 100,
            u.systemTime().toMillis() / 1000, u.systemTime().toMillis() / 10 % 100,
            wallCentis / 6000, wallCentis / 100 % 60, wallCentis % 100,
            u.scope() == ResourceUsage.Scope.CGROUP ? "the whole cgroup" : "the program and what it waited for");
    }

    /** Writes all of {@code chunk}: a channel may take part of it. */
    private static void writeAll(FileChannel channel, java.nio.ByteBuffer chunk) throws IOException {
        while (chunk.hasRemaining()) {
            channel.write(chunk);
        }
    }

    /** picocli's converter for {@code --wait-delay}: 500ms, 2s, 1m, 1h, a bare number of seconds, or ISO-8601. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.strip().toLowerCase(Locale.ROOT);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?").matcher(v);
            Duration d;
            if (m.matches()) {
                double n = Double.parseDouble(m.group(1));
                String unit = m.group(2) == null ? "s" : m.group(2);
                long nanosPer = switch (unit) {
                    case "ms" -> 1_000_000L;
                    case "s" -> 1_000_000_000L;
                    case "m" -> 60_000_000_000L;
                    default -> 3_600_000_000_000L;
                };
                d = Duration.ofNanos(Math.round(n * nanosPer));
            } else {
                try {
                    d = Duration.parse(value.strip());
                } catch (java.time.format.DateTimeParseException e) {
                    throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (500ms, 2s, 1m, PT2S)");
                }
            }
            if (d.isNegative()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is negative");
            }
            return d;
        }
    }

    /** The JDK's exec failure messages can end in a space and could span lines; stderr gets one clean line. */
    static String oneLine(String message) {
        return String.valueOf(message).strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
