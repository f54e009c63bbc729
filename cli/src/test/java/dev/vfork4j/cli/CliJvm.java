package dev.vfork4j.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link Main} in a JVM of its own, on this test JVM's class path, with files for its
 * three standard streams: for what cannot be seen in process, the streams a child inherits
 * and the JVM's own flags.
 */
record CliJvm(int code, String out, String err) {

    /**
     * @param dir      where the stream files go
     * @param jvmFlags flags for the new JVM, such as {@code --enable-native-access=ALL-UNNAMED}
     * @param stdin    the new JVM's whole input
     */
    static CliJvm run(Path dir, List<String> jvmFlags, String stdin, String... args)
        throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmFlags);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        Path in = Files.writeString(Files.createTempFile(dir, "stdin", ""), stdin);
        Path out = Files.createTempFile(dir, "stdout", "");
        Path err = Files.createTempFile(dir, "stderr", "");
        ProcessBuilder pb = new ProcessBuilder(command)
            .redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        // A fresh JVM: options for the build's JVMs (an agent in JDK_JAVA_OPTIONS) are not the CLI's.
        pb.environment().keySet().removeAll(List.of("JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS"));
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the CLI did not exit within 60 s: " + command);
        }
        return new CliJvm(p.exitValue(), Files.readString(out, UTF_8), Files.readString(err, UTF_8));
    }

    /** With native access granted, as the vfork4j launcher script starts the CLI. */
    static CliJvm run(Path dir, String stdin, String... args) throws IOException, InterruptedException {
        return run(dir, List.of("--enable-native-access=ALL-UNNAMED"), stdin, args);
    }
}
