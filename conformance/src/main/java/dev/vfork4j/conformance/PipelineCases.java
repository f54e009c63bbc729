package dev.vfork4j.conformance;

import static java.lang.ProcessBuilder.Redirect;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** ProcessBuilder.startPipeline: 1..10 stages, its IllegalArgumentException rules, failures. */
final class PipelineCases {

    private PipelineCases() {}

    static void register(Cases c) {
        for (int n = 1; n <= 10; n++) {
            int stages = n;
            c.add(String.format("pipeline/cat-stages-%02d", stages), t -> {
                List<ProcessBuilder> b = new ArrayList<>();
                b.add(new ProcessBuilder("seq", "1", "2000"));
                for (int i = 1; i < stages; i++) {
                    b.add(new ProcessBuilder(i % 2 == 0 ? "cat" : "sed", i % 2 == 0 ? "-" : "s/^/" + i + ":/"));
                }
                run(t, b);
            });
        }
        c.add("pipeline/empty-list", t -> run(t, List.of()));
        c.add("pipeline/null-list", t -> run(t, null));
        c.add("pipeline/null-element", t -> run(t, Arrays.asList(new ProcessBuilder("true"), null)));
        c.add("pipeline/first-stdin-from-file-last-stdout-to-file", t -> {
            File in = t.file("in.txt").toFile();
            Files.writeString(in.toPath(), "b\na\nc\n");
            run(t, List.of(new ProcessBuilder("sort").redirectInput(in), new ProcessBuilder("tr", "a-z", "A-Z")
                .redirectOutput(t.file("out.txt").toFile())));
            t.line("out.txt", Transcript.quote(Files.readString(t.file("out.txt"))));
        });
        c.add("pipeline/middle-stdout-redirected-is-refused", t -> run(t, List.of(new ProcessBuilder("echo", "x")
            .redirectOutput(t.file("o").toFile()), new ProcessBuilder("cat"))));
        c.add("pipeline/later-stdin-redirected-is-refused", t -> run(t, List.of(new ProcessBuilder("echo", "x"),
            new ProcessBuilder("cat").redirectInput(new File("/dev/null")))));
        c.add("pipeline/later-stdin-inherit-is-refused", t -> run(t, List.of(new ProcessBuilder("echo", "x"),
            new ProcessBuilder("cat").redirectInput(Redirect.INHERIT))));
        c.add("pipeline/middle-stdout-discard-is-refused", t -> run(t, List.of(new ProcessBuilder("echo", "x")
            .redirectOutput(Redirect.DISCARD), new ProcessBuilder("cat"))));
        c.add("pipeline/middle-redirectErrorStream-is-allowed", t -> run(t, List.of(new ProcessBuilder("sh", "-c", "echo o; echo e >&2")
            .redirectErrorStream(true), new ProcessBuilder("sort"))));
        c.add("pipeline/stderr-of-each-stage-is-its-own", t -> run(t, List.of(new ProcessBuilder("sh", "-c", "echo e1 >&2; echo o"),
            new ProcessBuilder("sh", "-c", "cat; echo e2 >&2"))));
        c.add("pipeline/missing-program-in-the-middle", t -> run(t, List.of(new ProcessBuilder("sleep", "30"),
            new ProcessBuilder("no-such-program-vfork4j"), new ProcessBuilder("cat"))));
        c.add("pipeline/missing-directory-in-the-last-stage", t -> run(t, List.of(new ProcessBuilder("sleep", "30"),
            new ProcessBuilder("cat").directory(t.file("nodir").toFile()))));
        c.add("pipeline/bad-redirect-in-the-last-stage", t -> run(t, List.of(new ProcessBuilder("sleep", "30"),
            new ProcessBuilder("cat").redirectOutput(t.file("nodir/out").toFile()))));
        c.add("pipeline/early-exit-gives-SIGPIPE-upstream", t -> run(t, List.of(new ProcessBuilder("yes"),
            new ProcessBuilder("head", "-n", "3"))));
        c.add("pipeline/same-builder-twice", t -> {
            ProcessBuilder cat = new ProcessBuilder("cat");
            run(t, List.of(new ProcessBuilder("echo", "twice"), cat, cat));
        });
        c.add("pipeline/env-and-directory-per-stage", t -> {
            ProcessBuilder a = new ProcessBuilder("sh", "-c", "echo $STAGE");
            a.environment().put("STAGE", "first");
            ProcessBuilder b = new ProcessBuilder("sh", "-c", "cat; pwd").directory(t.dir().toFile());
            run(t, List.of(a, b));
        });
        c.add("pipeline/stdin-of-first-stage-written", t -> {
            List<Process> ps = t.trackAll(ProcessBuilder.startPipeline(List.of(new ProcessBuilder("tr", "a-z", "A-Z"),
                new ProcessBuilder("rev"))));
            ps.getFirst().getOutputStream().write("hello\nworld\n".getBytes(StandardCharsets.UTF_8));
            ps.getFirst().getOutputStream().close();
            t.drain("last stdout", ps.getLast().getInputStream());
            for (Process p : ps) {
                t.exit("stage", p);
            }
        });
        c.add("pipeline/destroy-first-stage", t -> {
            List<Process> ps = t.trackAll(ProcessBuilder.startPipeline(List.of(new ProcessBuilder("sleep", "30"),
                new ProcessBuilder("cat"))));
            ps.getFirst().destroy();
            for (Process p : ps) {
                t.exit("stage", p);
            }
            t.drain("last stdout", ps.getLast().getInputStream());
        });
        c.add("pipeline/stage-fds", t -> run(t, List.of(new ProcessBuilder("sh", "-c", "ls /proc/self/fd; echo"),
            new ProcessBuilder("sh", "-c", "cat; ls /proc/$$/fd"))));
    }

    /** Starts the pipeline, records each stage's streams and exit; the last one's stdout in full. */
    static void run(Transcript t, List<ProcessBuilder> builders) throws Exception {
        List<Process> ps;
        try {
            ps = t.trackAll(ProcessBuilder.startPipeline(builders));
        } catch (Exception | Error e) {
            t.line("startPipeline threw", t.describe(e));
            return;
        }
        t.line("stages", ps.size());
        t.line("distinct pids", ps.stream().mapToLong(Process::pid).distinct().count());
        if (ps.isEmpty()) {
            return;
        }
        String[] errs = new String[ps.size()];
        List<Thread> readers = new ArrayList<>();
        for (int i = 0; i < ps.size(); i++) {
            int k = i;
            readers.add(Thread.ofVirtual().start(() -> errs[k] = ProgramCases.readOrDescribe(t, ps.get(k).getErrorStream())));
        }
        byte[] out = ps.getLast().getInputStream().readAllBytes();
        t.line("last stdout", out.length > 200 ? "hash " + java.util.Arrays.hashCode(out) + " of " + out.length + " bytes"
            : Transcript.quote(new String(out, StandardCharsets.UTF_8)));
        for (Thread r : readers) {
            r.join();
        }
        for (int i = 0; i < ps.size(); i++) {
            Process p = ps.get(i);
            t.line("stage " + i + " stderr", errs[i]);
            if (i < ps.size() - 1) {
                t.line("stage " + i + " stdout read", p.getInputStream().read());
            }
            if (i > 0) {
                t.line("stage " + i + " stdin write", StreamCases.attempt(t, () -> {
                    p.getOutputStream().write(1);
                    return "ok";
                }));
            }
            t.exit("stage " + i, p);
        }
    }
}
