package dev.vfork4j.cli;

import dev.vfork4j.Child;
import dev.vfork4j.Command;
import dev.vfork4j.Mechanism;
import dev.vfork4j.Redirect;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
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
        try (SignalRelay relay = SignalRelay.install()) {
            Child child = command.start();
            relay.forwardTo(child);
            try {
                child.waitFor();
            } catch (InterruptedException e) {
                child.destroyForcibly().waitFor();
                throw e;
            }
            return child.exitStatus().exitValue();
        } catch (IOException e) {
            // start() throws IOException only while starting the child, so every one means the
            // program did not start. Usually a SpawnException; a JDK ProcessBuilder failure
            // whose message the library could not parse stays a plain IOException.
            err.println("vfork4j: " + oneLine(e.getMessage()));
            err.flush();
            return CANNOT_RUN;
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

    /** The JDK's exec failure messages can end in a space and could span lines; stderr gets one clean line. */
    static String oneLine(String message) {
        return String.valueOf(message).strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
