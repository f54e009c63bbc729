package dev.vfork4j.cli.lab;

import dev.vfork4j.Command;
import dev.vfork4j.ExitStatus;
import dev.vfork4j.Output;
import dev.vfork4j.Redirect;
import dev.vfork4j.cli.CodePath;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A disposable JVM running one of the lab's probes on this JVM's own code (its module path or
 * class path: {@link CodePath}), started with vfork4j itself. Anything that could harm a JVM, or needs a heap of a given size, happens in
 * one of these, never in the lab's own.
 *
 * @param status   how the probe JVM ended
 * @param values   what it reported ({@link ProbeReport} lines on stdout or stderr)
 * @param output   its stdout and stderr, for a report when something went wrong
 */
record LabJvm(ExitStatus status, Map<String, String> values, String output) {

    /**
     * Runs {@code main} with {@code args}, killed after {@code timeout}. {@code jvmFlags} come
     * before the code path (heap sizes); {@code customize} may redirect streams or start a new
     * session.
     */
    static LabJvm run(Class<?> main, List<String> jvmFlags, List<String> args, Duration timeout,
                      UnaryOperator<Command> customize) throws IOException, InterruptedException {
        CodePath code = CodePath.current();
        List<String> argv = new ArrayList<>();
        argv.add(java());
        argv.add(code.nativeAccess());
        argv.add("-XX:TieredStopAtLevel=1"); // probes are short: C1 only, less compile work competing with them
        argv.addAll(jvmFlags);
        argv.addAll(code.main(main));
        argv.addAll(args);
        Command command = customize.apply(Command.of(argv).stdin(Redirect.DISCARD).timeout(timeout));
        Output out = command.output();
        String text = out.stdoutText() + out.stderrText();
        return new LabJvm(out.status(), ProbeReport.parse(text), text);
    }

    static LabJvm run(Class<?> main, List<String> jvmFlags, List<String> args, Duration timeout)
        throws IOException, InterruptedException {
        return run(main, jvmFlags, args, timeout, UnaryOperator.identity());
    }

    private static String java() {
        return ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** The value reported under {@code key}, or an exception that says what the probe printed instead. */
    String get(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new ProbeFailed(this, key);
        }
        return v;
    }

    double number(String key) {
        return Double.parseDouble(get(key));
    }

    /** A probe JVM that did not report a value it should have. */
    static final class ProbeFailed extends Lab.MeasurementFailed {
        private static final long serialVersionUID = 1L;

        ProbeFailed(LabJvm jvm, String key) {
            super("the probe JVM (" + jvm.status + ") did not report " + key + lastLines(jvm.output), null);
        }

        private static String lastLines(String text) {
            String[] lines = text.strip().split("\n");
            StringBuilder sb = new StringBuilder();
            for (int i = Math.max(0, lines.length - 5); i < lines.length; i++) {
                sb.append("\n    ").append(lines[i]);
            }
            return lines.length == 0 || text.isBlank() ? "" : "; it printed:" + sb;
        }
    }
}
