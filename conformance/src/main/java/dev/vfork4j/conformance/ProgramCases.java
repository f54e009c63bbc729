package dev.vfork4j.conformance;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The command itself: empty, null elements, NUL characters, programs that are missing, not
 * executable, directories, scripts with and without #!, PATH lookup, the working directory,
 * argument bytes and the kernel's argument limits.
 */
final class ProgramCases {

    private ProgramCases() {}

    static void register(Cases c) {
        c.add("program/empty-command-list", t -> t.start("empty", new ProcessBuilder(new ArrayList<>())));
        c.add("program/empty-varargs", t -> t.start("empty", new ProcessBuilder()));
        c.add("program/null-element-first", t -> t.start("null", new ProcessBuilder(Arrays.asList(null, "x"))));
        c.add("program/null-element-later", t -> t.start("null", new ProcessBuilder(Arrays.asList("echo", null))));
        c.add("program/nul-in-program", t -> t.start("nul", new ProcessBuilder("ec\0ho", "x")));
        c.add("program/nul-in-argument", t -> t.start("nul", new ProcessBuilder("echo", "a\0b")));
        c.add("program/empty-program-name", t -> t.start("empty name", new ProcessBuilder("", "x")));
        c.add("program/blank-program-name", t -> t.start("blank name", new ProcessBuilder(" ")));
        c.add("program/missing-in-path", t -> t.start("missing", new ProcessBuilder("no-such-program-vfork4j", "a")));
        c.add("program/missing-absolute", t -> t.start("missing", new ProcessBuilder(t.file("nope").toString())));
        c.add("program/missing-relative-with-slash", t -> t.start("missing", new ProcessBuilder("./nope")));
        c.add("program/missing-parent-is-a-file", t -> {
            Files.writeString(t.file("plain"), "x");
            t.start("notdir", new ProcessBuilder(t.file("plain") + "/prog"));
        });
        c.add("program/is-a-directory", t -> t.start("dir", new ProcessBuilder(t.dir().toString())));
        c.add("program/is-a-directory-in-path", t -> t.start("dir", new ProcessBuilder("..")));
        c.add("program/not-executable", t -> {
            Path f = script(t, "noexec.sh", "#!/bin/sh\necho hi\n", "rw-r--r--");
            t.start("noexec", new ProcessBuilder(f.toString()));
        });
        c.add("program/executable-but-empty-file", t -> {
            Path f = script(t, "empty.sh", "", "rwxr-xr-x");
            Process p = t.start("empty", new ProcessBuilder(f.toString()));
            if (p != null) {
                t.drain("stdout", p.getInputStream());
                t.exit("empty", p);
            }
        });
        c.add("program/script-with-shebang", t -> {
            Path f = script(t, "s.sh", "#!/bin/sh\necho \"shebang $# [$1] [$2]\"\nexit 4\n", "rwxr-xr-x");
            runAndShow(t, new ProcessBuilder(f.toString(), "a b", ""));
        });
        c.add("program/script-without-shebang-runs-with-bin-sh", t -> {
            Path f = script(t, "plain.sh", "echo \"no shebang $# [$1] [$2] $0\"\nexit 5\n", "rwxr-xr-x");
            runAndShow(t, new ProcessBuilder(f.toString(), "x", "y z"));
        });
        c.add("program/script-without-shebang-found-in-path", t -> {
            script(t, "plainpath", "echo \"found via PATH [$1]\"\n", "rwxr-xr-x");
            // The JDK searches the PATH of this JVM, never the child's: the name is resolved
            // relative to the directory instead.
            ProcessBuilder pb = new ProcessBuilder("./plainpath", "arg").directory(t.dir().toFile());
            runAndShow(t, pb);
        });
        c.add("program/shebang-to-missing-interpreter", t -> {
            Path f = script(t, "bad.sh", "#!/no/such/interpreter\necho hi\n", "rwxr-xr-x");
            t.start("bad interpreter", new ProcessBuilder(f.toString()));
        });
        c.add("program/shebang-to-non-executable-interpreter", t -> {
            Path interp = script(t, "interp", "#!/bin/sh\n", "rw-r--r--");
            Path f = script(t, "bad2.sh", "#!" + interp + "\necho hi\n", "rwxr-xr-x");
            t.start("bad interpreter", new ProcessBuilder(f.toString()));
        });
        c.add("program/garbage-binary-with-exec-bit", t -> {
            Path f = t.file("garbage");
            Files.write(f, new byte[] {0x7f, 'E', 'L', 'F', 1, 2, 3, 0, 0, 0, 9, 9});
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
            Process p = t.start("garbage", new ProcessBuilder(f.toString()));
            if (p != null) {
                t.drain("stdout", p.getInputStream());
                t.drain("stderr", p.getErrorStream());
                t.exit("garbage", p);
            }
        });
        c.add("program/relative-with-slash-resolves-in-directory", t -> {
            runAndShow(t, new ProcessBuilder("bin/echo", "from /usr").directory(new File("/usr")));
        });
        c.add("program/relative-without-slash-ignores-directory", t -> {
            script(t, "echo", "#!/bin/sh\necho impostor\n", "rwxr-xr-x");
            runAndShow(t, new ProcessBuilder("echo", "real echo").directory(t.dir().toFile()));
        });
        c.add("program/child-path-does-not-affect-lookup", t -> {
            ProcessBuilder pb = new ProcessBuilder("echo", "still found");
            pb.environment().put("PATH", "/nonexistent");
            runAndShow(t, pb);
        });
        c.add("program/child-path-is-what-the-child-sees", t -> {
            ProcessBuilder pb = new ProcessBuilder("sh", "-c", "echo $PATH; command -v ls || echo none");
            pb.environment().put("PATH", "/nonexistent:/bin");
            runAndShow(t, pb);
        });
        c.add("program/directory-missing", t -> t.start("dir", new ProcessBuilder("pwd").directory(t.file("missing").toFile())));
        c.add("program/directory-is-a-file", t -> {
            Files.writeString(t.file("afile"), "x");
            t.start("dir", new ProcessBuilder("pwd").directory(t.file("afile").toFile()));
        });
        c.add("program/directory-and-program-both-bad", t -> {
            t.start("both", new ProcessBuilder("no-such-program-vfork4j").directory(t.file("missing").toFile()));
        });
        c.add("program/directory-relative", t -> {
            runAndShow(t, new ProcessBuilder("pwd").directory(new File("..")));
        });
        c.add("program/directory-given", t -> runAndShow(t, new ProcessBuilder("pwd").directory(t.dir().toFile())));
        c.add("program/directory-default-is-this-jvms", t -> {
            Process p = t.start("pwd", new ProcessBuilder("pwd", "-P"));
            if (p != null) {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                t.line("same as user.dir", out.equals(Path.of(System.getProperty("user.dir")).toRealPath().toString()));
                t.exit("pwd", p);
            }
        });
        c.add("program/directory-unicode-name", t -> {
            Path d = Files.createDirectories(t.file("répertoire ü"));
            runAndShow(t, new ProcessBuilder("pwd").directory(d.toFile()));
        });
        c.add("program/arguments-verbatim", t -> {
            runAndShow(t, new ProcessBuilder("printf", "[%s]\\n", "", " ", "a b", "tab\there", "nl\nx", "quote\"'", "$HOME", "*", "\\"));
        });
        c.add("program/arguments-unicode", t -> runAndShow(t, new ProcessBuilder("printf", "[%s]\\n", "héllo", "日本語", "🙂", "ü")));
        c.add("program/argument-count-5000", t -> {
            List<String> cmd = new ArrayList<>(List.of("sh", "-c", "echo $#", "sh"));
            for (int i = 0; i < 5000; i++) {
                cmd.add("a" + i);
            }
            runAndShow(t, new ProcessBuilder(cmd));
        });
        c.add("program/argument-of-100000-chars", t -> {
            runAndShow(t, new ProcessBuilder("sh", "-c", "echo ${#1}", "sh", "x".repeat(100_000)));
        });
        c.add("program/argument-beyond-MAX_ARG_STRLEN", t -> {
            t.start("huge", new ProcessBuilder("echo", "x".repeat(200_000)));
        });
        c.add("program/arguments-beyond-ARG_MAX", t -> {
            List<String> cmd = new ArrayList<>(List.of("true"));
            for (int i = 0; i < 40; i++) {
                cmd.add("y".repeat(120_000));
            }
            t.start("too many", new ProcessBuilder(cmd));
        });
        c.add("program/argv0-is-the-program-as-given", t -> {
            runAndShow(t, new ProcessBuilder("sh", "-c", "echo $0"));
            runAndShow(t, new ProcessBuilder("/bin/sh", "-c", "echo $0"));
        });
        c.add("program/command-list-copied-at-start", t -> {
            List<String> cmd = new ArrayList<>(List.of("echo", "one"));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            cmd.add("two");
            runAndShow(t, pb);
            t.line("command()", pb.command());
        });
        c.add("program/builder-reused", t -> {
            ProcessBuilder pb = new ProcessBuilder("echo", "again");
            runAndShow(t, pb);
            runAndShow(t, pb);
            pb.command("echo", "changed");
            runAndShow(t, pb);
        });
        pathSearch(c, "program/path-search-skips-a-non-executable-file", (a, b) -> {
            Files.writeString(a.resolve("vf4j-prog"), "#!/bin/sh\necho from a\n");
            Files.writeString(b.resolve("vf4j-prog"), "#!/bin/sh\necho from b\n");
            Files.setPosixFilePermissions(b.resolve("vf4j-prog"), PosixFilePermissions.fromString("rwxr-xr-x"));
        });
        pathSearch(c, "program/path-search-only-a-non-executable-file", (a, b) ->
            Files.writeString(a.resolve("vf4j-prog"), "#!/bin/sh\necho from a\n"));
        pathSearch(c, "program/path-search-skips-a-directory", (a, b) -> {
            Files.createDirectory(a.resolve("vf4j-prog"));
            Files.writeString(b.resolve("vf4j-prog"), "#!/bin/sh\necho from b\n");
            Files.setPosixFilePermissions(b.resolve("vf4j-prog"), PosixFilePermissions.fromString("rwxr-xr-x"));
        });
        pathSearch(c, "program/path-search-first-executable-wins", (a, b) -> {
            for (Path d : List.of(a, b)) {
                Files.writeString(d.resolve("vf4j-prog"), "#!/bin/sh\necho from " + d.getFileName() + "\n");
                Files.setPosixFilePermissions(d.resolve("vf4j-prog"), PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        });
        pathSearch(c, "program/path-search-script-without-shebang", (a, b) -> {
            Files.writeString(a.resolve("vf4j-prog"), "echo \"no shebang via PATH: $0 $*\"\n");
            Files.setPosixFilePermissions(a.resolve("vf4j-prog"), PosixFilePermissions.fromString("rwxr-xr-x"));
        });
        pathSearch(c, "program/path-search-broken-shebang-then-good", (a, b) -> {
            Files.writeString(a.resolve("vf4j-prog"), "#!/no/such/interpreter\n");
            Files.setPosixFilePermissions(a.resolve("vf4j-prog"), PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.writeString(b.resolve("vf4j-prog"), "#!/bin/sh\necho from b\n");
            Files.setPosixFilePermissions(b.resolve("vf4j-prog"), PosixFilePermissions.fromString("rwxr-xr-x"));
        });
        pathSearch(c, "program/path-search-dangling-symlink-then-good", (a, b) -> {
            Files.createSymbolicLink(a.resolve("vf4j-prog"), a.resolve("nowhere"));
            Files.writeString(b.resolve("vf4j-prog"), "#!/bin/sh\necho from b\n");
            Files.setPosixFilePermissions(b.resolve("vf4j-prog"), PosixFilePermissions.fromString("rwxr-xr-x"));
        });
        c.add("program/proc-self-exe-of-child", t -> {
            runAndShow(t, new ProcessBuilder("readlink", "/proc/self/exe"));
        });
    }

    interface PathSetup {
        void prepare(Path first, Path second) throws java.io.IOException;
    }

    /**
     * A case that puts {@code vf4j-prog} into the two directories that lead this JVM's PATH
     * (VFORK4J_CONF_PATH_DIRS), runs it by name, and removes what it put there.
     */
    private static void pathSearch(Cases c, String name, PathSetup setup) {
        c.add(name, t -> {
            String dirs = System.getenv("VFORK4J_CONF_PATH_DIRS");
            if (dirs == null) {
                t.line("skipped: no VFORK4J_CONF_PATH_DIRS");
                return;
            }
            Path a = Path.of(dirs.split(":")[0]);
            Path b = Path.of(dirs.split(":")[1]);
            try {
                setup.prepare(a, b);
                runAndShow(t, new ProcessBuilder("vf4j-prog", "x"));
            } finally {
                for (Path d : List.of(a, b)) {
                    Path f = d.resolve("vf4j-prog");
                    if (Files.isDirectory(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        Files.delete(f);
                    } else {
                        Files.deleteIfExists(f);
                    }
                }
            }
        });
    }

    /** The stream's bytes as UTF-8, quoted, or what reading threw. */
    static String readOrDescribe(Transcript t, java.io.InputStream in) {
        try {
            return Transcript.quote(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (java.io.IOException | RuntimeException e) {
            return "threw " + t.describe(e);
        }
    }

    static Path script(Transcript t, String name, String text, String perms) throws java.io.IOException {
        Path f = t.file(name);
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
        return f;
    }

    /** Starts, reads stdout and stderr, waits; records all of it. */
    static void runAndShow(Transcript t, ProcessBuilder pb) throws InterruptedException {
        Process p = t.start(pb.command().getFirst(), pb);
        if (p != null) {
            String[] err = new String[1];
            Thread reader = Thread.ofVirtual().start(() -> err[0] = readOrDescribe(t, p.getErrorStream()));
            t.line("stdout", readOrDescribe(t, p.getInputStream()));
            reader.join();
            t.line("stderr", err[0]);
            t.exit("exit", p);
        }
    }
}
