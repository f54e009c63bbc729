package dev.vfork4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * One in-process run of the CLI, the way picocli's documentation tests commands: its exit
 * code and what it wrote to its out and err writers. A child started by {@code run} writes
 * to the real, inherited stdout and stderr instead, so that is not here.
 */
public record Invocation(int code, String out, String err) {

    public static Invocation execute(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Invocation(code, out.toString(), err.toString());
    }
}
