package dev.vfork4j.conformance;

import static java.lang.ProcessBuilder.Redirect;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * Every Redirect kind on each of the three streams, files that are missing, directories or
 * unwritable, the order in which the JDK opens them, and redirectErrorStream with and without
 * a redirectError file.
 */
final class RedirectCases {

    private RedirectCases() {}

    /** Copies its stdin to stdout, then one line to each of stdout and stderr, then exits 3. */
    private static final List<String> CHILD = List.of("sh", "-c", "cat; echo out-line; echo err-line >&2; exit 3");

    private record Kind(String name, Function<Transcript, Redirect> make) {}

    static void register(Cases c) {
        List<Kind> inputs = List.of(
            new Kind("pipe", t -> Redirect.PIPE),
            new Kind("inherit", t -> Redirect.INHERIT),
            new Kind("from-file", t -> Redirect.from(existing(t, "in.txt", "file input\n"))),
            new Kind("from-empty-file", t -> Redirect.from(existing(t, "in.txt", ""))),
            new Kind("from-missing-file", t -> Redirect.from(t.file("missing.txt").toFile())),
            new Kind("from-file-in-missing-dir", t -> Redirect.from(t.file("nodir/in.txt").toFile())),
            new Kind("from-directory", t -> Redirect.from(t.dir().toFile())),
            new Kind("from-dev-null", t -> Redirect.from(new File("/dev/null"))),
            new Kind("from-proc-file", t -> Redirect.from(new File("/proc/version"))),
            new Kind("from-relative-file", t -> Redirect.from(new File("relative-missing-vfork4j.txt"))));
        List<Kind> outputs = List.of(
            new Kind("pipe", t -> Redirect.PIPE),
            new Kind("inherit", t -> Redirect.INHERIT),
            new Kind("discard", t -> Redirect.DISCARD),
            new Kind("to-new-file", t -> Redirect.to(t.file("out.txt").toFile())),
            new Kind("to-existing-file-truncates", t -> Redirect.to(existing(t, "out.txt", "old content that is long\n"))),
            new Kind("append-to-existing-file", t -> Redirect.appendTo(existing(t, "out.txt", "old content\n"))),
            new Kind("append-to-new-file", t -> Redirect.appendTo(t.file("out.txt").toFile())),
            new Kind("to-file-in-missing-dir", t -> Redirect.to(t.file("nodir/out.txt").toFile())),
            new Kind("append-to-file-in-missing-dir", t -> Redirect.appendTo(t.file("nodir/out.txt").toFile())),
            new Kind("to-directory", t -> Redirect.to(t.dir().toFile())),
            new Kind("append-to-directory", t -> Redirect.appendTo(t.dir().toFile())),
            new Kind("to-dev-null", t -> Redirect.to(new File("/dev/null"))),
            new Kind("append-to-dev-stdout", t -> Redirect.appendTo(new File("/dev/stdout"))),
            new Kind("to-dev-full", t -> Redirect.to(new File("/dev/full"))),
            new Kind("to-read-only-proc-file", t -> Redirect.to(new File("/proc/version"))),
            new Kind("to-path-through-a-file", t -> Redirect.to(new File(existing(t, "plain", "x"), "out.txt"))));
        for (Kind k : inputs) {
            c.add("redirect/stdin-" + k.name(), t -> observe(t, builder().redirectInput(k.make().apply(t))));
        }
        for (Kind k : outputs) {
            c.add("redirect/stdout-" + k.name(), t -> observe(t, builder().redirectOutput(k.make().apply(t))));
            c.add("redirect/stderr-" + k.name(), t -> observe(t, builder().redirectError(k.make().apply(t))));
            c.add("redirect/merged-stdout-" + k.name(),
                t -> observe(t, builder().redirectErrorStream(true).redirectOutput(k.make().apply(t))));
            c.add("redirect/merged-with-error-file-stdout-" + k.name(), t -> {
                Path err = t.file("err-ignored.txt");
                Files.writeString(err, "to be truncated\n");
                observe(t, builder().redirectErrorStream(true).redirectError(err.toFile()).redirectOutput(k.make().apply(t)));
            });
        }
        c.add("redirect/stdout-and-stderr-to-the-same-file", t -> {
            File f = t.file("both.txt").toFile();
            observe(t, builder().redirectOutput(f).redirectError(f));
        });
        c.add("redirect/stdout-and-stderr-append-to-the-same-file", t -> {
            File f = existing(t, "both.txt", "head\n");
            observe(t, builder().redirectOutput(Redirect.appendTo(f)).redirectError(Redirect.appendTo(f)));
        });
        c.add("redirect/stdin-and-stdout-the-same-file", t -> {
            File f = existing(t, "same.txt", "some input\n");
            observe(t, builder().redirectInput(f).redirectOutput(f));
        });
        c.add("redirect/all-three-to-files", t -> observe(t, builder().redirectInput(existing(t, "in.txt", "abc\n"))
            .redirectOutput(t.file("out.txt").toFile()).redirectError(t.file("err.txt").toFile())));
        c.add("redirect/inherit-io", t -> observe(t, builder().inheritIO()));
        c.add("redirect/failure-order-stdin-before-stdout", t -> observe(t, builder()
            .redirectInput(t.file("missing.txt").toFile()).redirectOutput(t.file("created?.txt").toFile())));
        c.add("redirect/failure-order-stdout-before-stderr", t -> observe(t, builder()
            .redirectOutput(t.file("nodir/o.txt").toFile()).redirectError(t.file("created?.txt").toFile())));
        c.add("redirect/files-created-though-the-program-is-missing", t -> observe(t, new ProcessBuilder("no-such-program-vfork4j")
            .redirectOutput(t.file("created?.txt").toFile()).redirectError(Redirect.appendTo(t.file("appended?.txt").toFile()))));
        c.add("redirect/files-created-though-the-directory-is-missing", t -> observe(t, builder()
            .directory(t.file("nodir").toFile()).redirectOutput(t.file("created?.txt").toFile())));
        c.add("redirect/redirect-failure-wins-over-missing-program", t -> observe(t, new ProcessBuilder("no-such-program-vfork4j")
            .redirectInput(t.file("missing.txt").toFile())));
        c.add("redirect/relative-output-file-is-relative-to-this-jvm", t -> {
            // A redirect file names a path of this JVM (FileOutputStream), not of the child's directory.
            Path rel = Path.of("target-vfork4j-rel-" + ProcessHandle.current().pid() + ".txt");
            try {
                observe(t, builder().directory(t.dir().toFile()).redirectOutput(rel.toFile()));
                t.line("in this jvm's directory", Files.exists(rel));
                t.line("in the child's directory", Files.exists(t.dir().resolve(rel)));
            } finally {
                Files.deleteIfExists(rel);
            }
        });
        c.add("redirect/invalid-kinds-refused-by-builder", t -> {
            ProcessBuilder pb = builder();
            t.line("input DISCARD", attempt(t, () -> pb.redirectInput(Redirect.DISCARD)));
            t.line("input to(file)", attempt(t, () -> pb.redirectInput(Redirect.to(new File("x")))));
            t.line("output from(file)", attempt(t, () -> pb.redirectOutput(Redirect.from(new File("x")))));
            t.line("error from(file)", attempt(t, () -> pb.redirectError(Redirect.from(new File("x")))));
            t.line("input null", attempt(t, () -> pb.redirectInput((Redirect) null)));
        });
        c.add("redirect/discard-file-and-type", t -> {
            t.line("DISCARD type", Redirect.DISCARD.type());
            t.line("DISCARD file", Redirect.DISCARD.file());
            t.line("PIPE", Redirect.PIPE + " " + Redirect.PIPE.file());
            t.line("to", t.normalise(Redirect.to(t.file("f").toFile()).toString()));
            t.line("appendTo", t.normalise(Redirect.appendTo(t.file("f").toFile()).toString()));
        });
        c.add("redirect/large-output-to-file", t -> {
            Path out = t.file("big.txt");
            Process p = t.start("seq", new ProcessBuilder("seq", "1", "200000").redirectOutput(out.toFile()));
            if (p != null) {
                t.exit("seq", p);
                t.line("bytes", Files.size(out));
                t.line("stdout stream read", p.getInputStream().read());
            }
        });
        c.add("redirect/stdin-from-file-offset-is-zero", t -> {
            File f = existing(t, "in.txt", "0123456789");
            Process p = t.start("head", new ProcessBuilder("head", "-c", "4").redirectInput(f));
            if (p != null) {
                t.drain("stdout", p.getInputStream());
                t.exit("head", p);
            }
            Process q = t.start("cat", new ProcessBuilder("cat").redirectInput(f));
            if (q != null) {
                t.drain("stdout", q.getInputStream());
                t.exit("cat", q);
            }
        });
    }

    private static ProcessBuilder builder() {
        return new ProcessBuilder(CHILD);
    }

    private static File existing(Transcript t, String name, String content) {
        try {
            Path f = t.file(name);
            Files.writeString(f, content);
            return f.toFile();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String attempt(Transcript t, Runnable r) {
        try {
            r.run();
            return "accepted";
        } catch (RuntimeException e) {
            return t.describe(e);
        }
    }

    /**
     * Starts {@code pb}; writes to its stdin (a pipe or the null stream), reads stdout and stderr
     * (pipes or null streams), waits, and records what every file of the case's directory holds.
     */
    static void observe(Transcript t, ProcessBuilder pb) throws Exception {
        t.line("redirects", t.normalise(pb.redirectInput() + " | " + pb.redirectOutput() + " | " + pb.redirectError()
            + " | errorStream=" + pb.redirectErrorStream()));
        Process p = t.start("child", pb);
        if (p != null) {
            OutputStream in = p.getOutputStream();
            try {
                in.write("piped input\n".getBytes(StandardCharsets.UTF_8));
                in.flush();
                t.line("stdin write", "ok");
            } catch (IOException e) {
                t.line("stdin write threw", t.describe(e));
            }
            try {
                in.close();
                t.line("stdin close", "ok");
            } catch (IOException e) {
                t.line("stdin close threw", t.describe(e));
            }
            InputStream err = p.getErrorStream();
            String[] errText = new String[1];
            Thread reader = Thread.ofVirtual().start(() -> errText[0] = ProgramCases.readOrDescribe(t, err));
            t.line("stdout", ProgramCases.readOrDescribe(t, p.getInputStream()));
            reader.join();
            t.line("stderr", errText[0]);
            t.exit("child", p);
            t.line("stdout read after exit", p.getInputStream().read());
            t.line("stderr available after exit", p.getErrorStream().available());
        }
        try (var files = Files.list(t.dir())) {
            for (Path f : files.sorted().toList()) {
                if (Files.isRegularFile(f)) {
                    t.line("file " + f.getFileName(), Transcript.quote(Files.readString(f)));
                } else {
                    t.line("entry " + f.getFileName(), Files.isDirectory(f) ? "directory" : "other");
                }
            }
        }
    }
}
