package dev.vfork4j.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vfork4j doctor [--json]}: what vfork4j finds on this machine and in this JVM, and
 * which mechanism it would use. Always exits 0: a missing feature is a finding, not a failure.
 */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description = "Reports the kernel, glibc, architecture and JVM, whether native access is enabled, "
        + "which mechanisms work here (and why not), which one vfork4j picks, and the kernel features it uses.")
final class DoctorCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--json", description = "Prints the findings as one JSON object.")
    private boolean json;

    @Override
    public Integer call() {
        Diagnosis diagnosis = Diagnosis.probe();
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? Json.write(diagnosis.toJson()) : diagnosis.toText());
        out.flush();
        return 0;
    }
}
