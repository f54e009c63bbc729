package dev.vfork4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Main class for disposable JVMs started in a non-UTF-8 locale: for every available mechanism
 * and for ProcessBuilder, under {@code base/NAME/}, starts a child with a non-ASCII argument,
 * one with stdout redirected to a non-ASCII file name and one in a non-ASCII directory, and
 * prints one line, {@code NAME=argv ... redirect ... directory ... names ...}: the first child's
 * argv (from /proc/self/cmdline), what the second wrote, the name of the third's working
 * directory and the names of the files in {@code base/NAME}, all as bytes in hex (or the
 * failure's message). The first line is {@code sun.jnu.encoding=...}.
 */
public final class EncodingProbe {
    private EncodingProbe() {}

    static final String NAME = "\u00e9t\u00e9"; // "été": one byte per é in ISO-8859-1, two in UTF-8
    /** "€", which ISO-8859-1 cannot hold: the JDK passes '?' instead. */
    static final String UNMAPPABLE = "\u20ac";

    public static void main(String[] args) throws Exception {
        Path base = Path.of(args[0]);
        System.out.println("sun.jnu.encoding=" + System.getProperty("sun.jnu.encoding"));
        for (Mechanism m : Mechanism.values()) {
            if (m.isAvailable()) {
                System.out.println(m + "=" + run(base.resolve(m.name()), m));
            }
        }
        System.out.println("ProcessBuilder=" + run(base.resolve("ProcessBuilder"), null));
    }

    private static String run(Path root, Mechanism m) throws Exception {
        Files.createDirectories(root);
        Path dir = Files.createDirectories(root.resolve("dir-" + NAME));
        Path out = root.resolve("out-" + NAME);
        Path cwd = root.resolve("cwd");
        StringBuilder result = new StringBuilder();
        // Each apart, so that a failure of one cannot hide another: the argument (the child
        // prints its argv to a pipe), the redirect (a file out-été) and the directory.
        result.append("argv ").append(spawn(m, List.of("sh", "-c", "cat /proc/$$/cmdline", "sh", "arg-" + NAME + UNMAPPABLE), null, null));
        result.append(" redirect ").append(spawn(m, List.of("echo", "redirected"), null, out));
        result.append(" directory ").append(spawn(m, List.of("sh", "-c", "basename \"$(pwd -P)\""), dir, cwd));
        // In this JVM a file name's bytes decode one to one (ISO-8859-1), so they come back exactly.
        try (Stream<Path> files = Files.list(root)) {
            result.append(" names ").append(files.map(f -> HexFormat.of().formatHex(f.getFileName().toString().getBytes(
                java.nio.charset.Charset.forName(System.getProperty("sun.jnu.encoding"))))).sorted()
                .collect(Collectors.joining(",")));
        }
        return result.toString();
    }

    /**
     * What the child wrote to {@code out} (to a pipe when {@code out} is null), in hex, or why
     * it could not be started.
     */
    private static String spawn(Mechanism m, List<String> argv, Path dir, Path out) throws Exception {
        byte[] piped = null;
        try {
            if (m == null) {
                ProcessBuilder pb = new ProcessBuilder(argv);
                if (out != null) {
                    pb.redirectOutput(out.toFile());
                }
                Process p = (dir == null ? pb : pb.directory(dir.toFile())).start();
                piped = p.getInputStream().readAllBytes();
                p.waitFor();
            } else {
                Command c = Command.of(argv).mechanism(m);
                c = dir == null ? c : c.directory(dir);
                if (out == null) {
                    piped = c.output().stdout();
                } else {
                    c.stdout(Redirect.to(out)).run();
                }
            }
        } catch (java.io.IOException e) {
            return "failed: " + e.getMessage();
        }
        if (out == null) {
            return HexFormat.of().formatHex(piped);
        }
        return Files.exists(out) ? HexFormat.of().formatHex(Files.readAllBytes(out)) : "(nothing in " + out + ")";
    }
}
