package dev.vfork4j.conformance;

/** Exit codes 0..255 (and what exit does with larger numbers), and deaths by signal (128 + N). */
final class ExitCases {

    private ExitCases() {}

    /** Signals whose default action ends the process (stop and ignore ones are not among them). */
    private static final int[] KILLING_SIGNALS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 24, 25, 26, 27, 29, 30, 31,
        34, 40, 50, 64};

    static void register(Cases c) {
        for (int code = 0; code <= 255; code++) {
            int n = code;
            c.add(String.format("exit/code-%03d", n), t -> {
                Process p = t.start("sh", new ProcessBuilder("sh", "-c", "exit " + n));
                if (p != null) {
                    t.exit("sh", p);
                    t.line("isAlive after waitFor", p.isAlive());
                    t.line("toString", p.toString());
                }
            });
        }
        for (int code : new int[] {256, 257, 511, 1000}) {
            c.add("exit/wraps-" + code, t -> {
                Process p = t.start("sh", new ProcessBuilder("sh", "-c", "exit " + code));
                if (p != null) {
                    t.exit("sh", p);
                }
            });
        }
        for (int signal : KILLING_SIGNALS) {
            c.add(String.format("exit/killed-by-signal-%02d", signal), t -> {
                Process p = t.start("sh", new ProcessBuilder("sh", "-c", "kill -" + signal + " $$; sleep 10"));
                if (p != null) {
                    t.exit("sh", p);
                    t.line("toString", p.toString());
                    t.line("exitValue again", p.exitValue());
                    t.line("onExit", p.onExit().get().exitValue());
                }
            });
        }
        c.add("exit/stopped-then-continued", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "kill -STOP $$; exit 7"));
            if (p != null) {
                // A stopped child has not exited: waitFor must go on waiting until SIGCONT.
                Thread.sleep(200);
                t.line("alive while stopped", p.isAlive());
                new ProcessBuilder("kill", "-CONT", Long.toString(p.pid())).start().waitFor();
                t.exit("sh", p);
            }
        });
        c.add("exit/true-and-false", t -> {
            t.exit("true", t.start("true", new ProcessBuilder("true")));
            t.exit("false", t.start("false", new ProcessBuilder("false")));
            t.exit("/bin/true", t.start("/bin/true", new ProcessBuilder("/bin/true")));
        });
    }
}
