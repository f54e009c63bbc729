package dev.vfork4j.cli;

import dev.vfork4j.cli.bench.BenchCommand;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code vfork4j} command. Each subcommand is one class, listed in {@code subcommands}.
 *
 * <p>Exit codes: a subcommand's own (for {@code run}, the child's), 0 for {@code --help} and
 * {@code --version}, 2 for a usage error (picocli's {@link CommandLine.ExitCode#USAGE}): an
 * unknown subcommand or option, a bad option value, or no subcommand at all. A usage error is
 * reported the way GNU tools report one: a line saying what is wrong, then where the help is
 * ({@code Try 'vfork4j run --help'.}), not the whole help.
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
        System.exit(commandLine().execute(args));
    }

    /** The command line as {@link #main} runs it (tests run it the same way). */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler(Main::usageError);
        return cl;
    }

    /** Runs only when no subcommand was given: a usage error. */
    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "a subcommand is needed: " + subcommands(spec, "or"));
    }

    /** One line saying what is wrong (and picocli's "Did you mean" when it has one), then where the help is. */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println("vfork4j: " + describe(e));
        if (e instanceof UnmatchedArgumentException unmatched) {
            UnmatchedArgumentException.printSuggestions(unmatched, err);
        }
        err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help'.");
        err.flush();
        return cl.getCommandSpec().exitCodeOnInvalidInput();
    }

    static String describe(ParameterException e) {
        CommandSpec spec = e.getCommandLine().getCommandSpec();
        // An unknown option is reported as such even when picocli noticed something else first
        // (`run --foo` alone: it would say the program is missing).
        List<String> unmatched = e.getCommandLine().getUnmatchedArguments();
        if (!unmatched.isEmpty()) {
            String first = unmatched.getFirst();
            if (first.startsWith("-")) {
                return "unknown option '" + first + "'";
            }
            if (!spec.subcommands().isEmpty()) {
                return "unknown subcommand '" + first + "'; the subcommands are " + subcommands(spec, "and");
            }
            return "unexpected argument '" + first + "'";
        }
        String message = String.valueOf(e.getMessage())
            // picocli 4.7's wording for a map option's value without '='.
            .replace("Value for option option ", "Value for option ");
        return lowerFirst(RunCommand.oneLine(message));
    }

    /** "Missing required parameter" continues the "vfork4j: " prefix as "missing …"; "JDK …" stays. */
    private static String lowerFirst(String s) {
        if (s.length() > 1 && Character.isUpperCase(s.charAt(0)) && Character.isLowerCase(s.charAt(1))) {
            return s.substring(0, 1).toLowerCase(Locale.ROOT) + s.substring(1);
        }
        return s;
    }

    /** "run, doctor, bench, lab and help", with {@code conjunction} before the last. */
    private static String subcommands(CommandSpec spec, String conjunction) {
        List<String> names = List.copyOf(spec.subcommands().keySet());
        return names.size() == 1 ? names.getFirst()
            : String.join(", ", names.subList(0, names.size() - 1)) + " " + conjunction + " " + names.getLast();
    }
}
