package dev.vfork4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code vfork4j} command. Each subcommand is one class, listed in {@code subcommands}.
 *
 * <p>Exit codes: a subcommand's own (for {@code run}, the child's), 0 for {@code --help} and
 * {@code --version}, 2 for a usage error (picocli's {@link CommandLine.ExitCode#USAGE}): an
 * unknown subcommand or option, a bad option value, or no subcommand at all.
 */
@Command(
    name = "vfork4j",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "Child processes from Java the vfork way, on the Foreign Function & Memory API.",
    subcommands = {RunCommand.class, DoctorCommand.class, BenchCommand.class, LabCommand.class, HelpCommand.class})
public final class Main implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    /** Runs only when no subcommand was given: a usage error, reported with the usage help. */
    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand");
    }
}
