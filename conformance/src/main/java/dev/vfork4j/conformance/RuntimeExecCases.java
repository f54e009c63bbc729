package dev.vfork4j.conformance;

import java.io.File;

/** Runtime.exec in its six forms: StringTokenizer splitting, envp strings, directories. */
final class RuntimeExecCases {

    private RuntimeExecCases() {}

    private static final String[] COMMAND_LINES = {
        "echo plain",
        "echo  many   spaces   between",
        "echo\ttabs\tand\nnewline\rcr\fff",
        "   echo leading-and-trailing   ",
        "echo \"quotes are not special\"",
        "echo 'single quotes' too",
        "echo back\\slash",
        "echo $HOME is not expanded",
        "echo *",
        "echo ünïcödé 🙂",
        "echo",
        "no-such-program-vfork4j arg",
        "/bin/sh -c exit\t7",
        "sh -c 'echo quoted'",
    };

    static void register(Cases c) {
        for (int i = 0; i < COMMAND_LINES.length; i++) {
            String line = COMMAND_LINES[i];
            c.add(String.format("exec/string-%02d", i), t -> {
                t.line("command", Transcript.quote(line));
                show(t, () -> exec(line));
            });
        }
        c.add("exec/empty-string", t -> show(t, () -> exec("")));
        c.add("exec/blank-string", t -> show(t, () -> exec(" \t\n")));
        c.add("exec/null-string", t -> show(t, () -> exec((String) null)));
        c.add("exec/empty-array", t -> show(t, () -> Runtime.getRuntime().exec(new String[0])));
        c.add("exec/null-array", t -> show(t, () -> Runtime.getRuntime().exec((String[]) null)));
        c.add("exec/array-with-null", t -> show(t, () -> Runtime.getRuntime().exec(new String[] {"echo", null})));
        c.add("exec/array-verbatim", t -> show(t, () -> Runtime.getRuntime().exec(new String[] {"printf", "[%s]", "a b", "", "c"})));
        c.add("exec/envp-replaces-environment", t -> show(t, () -> Runtime.getRuntime().exec(new String[] {"env"},
            new String[] {"A=1", "B=two words", "C="})));
        c.add("exec/envp-odd-entries", t -> show(t, () -> Runtime.getRuntime().exec(new String[] {"env", "-0"},
            new String[] {"NOEQUALS", "=startswithequals", "D=with\0nul", "E=ok", "E=dup", "F==x"})));
        c.add("exec/envp-null-means-inherit", t -> show(t, () -> Runtime.getRuntime().exec(new String[] {"sh", "-c", "echo $HOME"},
            null)));
        c.add("exec/envp-empty-array", t -> show(t, () -> Runtime.getRuntime().exec(new String[] {"env"}, new String[0])));
        c.add("exec/envp-null-element", t -> show(t, () -> Runtime.getRuntime().exec(new String[] {"env"}, new String[] {null})));
        c.add("exec/dir", t -> show(t, () -> Runtime.getRuntime().exec(new String[] {"pwd"}, null, t.dir().toFile())));
        c.add("exec/dir-null-means-inherit", t -> show(t, () -> Runtime.getRuntime().exec(new String[] {"true"}, null, null)));
        c.add("exec/dir-missing", t -> show(t, () -> Runtime.getRuntime().exec(new String[] {"pwd"}, null,
            new File(t.dir().toFile(), "missing"))));
        c.add("exec/string-with-envp-and-dir", t -> show(t, () -> execWith("sh -c pwd;echo$IFS$X", new String[] {"X=y"},
            t.dir().toFile())));
    }

    interface Start {
        Process start() throws Exception;
    }

    private static void show(Transcript t, Start s) throws InterruptedException {
        Process p;
        try {
            p = t.track(s.start());
        } catch (Exception | Error e) {
            t.line("exec threw", t.describe(e));
            return;
        }
        String[] err = new String[1];
        Thread reader = Thread.ofVirtual().start(() -> err[0] = ProgramCases.readOrDescribe(t, p.getErrorStream()));
        t.line("stdout", ProgramCases.readOrDescribe(t, p.getInputStream()));
        reader.join();
        t.line("stderr", err[0]);
        t.exit("exit", p);
    }

    // Runtime.exec(String) is deprecated since JDK 18 for its naive splitting, which is exactly
    // what these cases check: applications still call it.
    @SuppressWarnings("deprecation")
    private static Process exec(String line) throws java.io.IOException {
        return Runtime.getRuntime().exec(line);
    }

    @SuppressWarnings("deprecation")
    private static Process execWith(String line, String[] envp, File dir) throws java.io.IOException {
        return Runtime.getRuntime().exec(line, envp, dir);
    }
}
