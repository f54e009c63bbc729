package dev.vfork4j.conformance;

import static dev.vfork4j.conformance.StreamCases.attempt;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * ProcessHandle views of a child (toHandle, info, parent, children, descendants, of(pid)), and
 * what the child inherits from the JVM: signal dispositions and mask, open fds, limits, process
 * group and session, umask.
 */
final class HandleCases {

    private HandleCases() {}

    static void register(Cases c) {
        c.add("handle/basics", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sleep", "30"));
            if (p != null) {
                ProcessHandle h = p.toHandle();
                t.line("same handle each call", h.equals(p.toHandle()));
                t.line("of(pid) present and equal", ProcessHandle.of(p.pid()).map(h::equals).orElse(false));
                t.line("hashCode as of(pid)", ProcessHandle.of(p.pid()).map(o -> o.hashCode() == h.hashCode()).orElse(false));
                t.line("compareTo of(pid)", ProcessHandle.of(p.pid()).map(h::compareTo).orElse(99));
                t.line("parent is this JVM", h.parent().map(ProcessHandle::pid).orElse(-1L) == ProcessHandle.current().pid());
                t.line("isAlive", h.isAlive());
                t.line("in current().children()", ProcessHandle.current().children().anyMatch(h::equals));
                t.line("in current().descendants()", ProcessHandle.current().descendants().anyMatch(h::equals));
                t.line("children of sleep", h.children().count());
                p.destroy();
                t.exit("sleep", p);
                t.line("handle isAlive after", h.isAlive());
                t.line("of(pid) after reap", ProcessHandle.of(p.pid()).map(ProcessHandle::isAlive).orElse(false));
                t.line("in current().children() after", ProcessHandle.current().children().anyMatch(h::equals));
            }
        });
        c.add("handle/info", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sleep", "30"));
            if (p != null) {
                ProcessHandle.Info i = p.info();
                t.line("command", i.command());
                t.line("arguments", i.arguments().map(List::of));
                t.line("commandLine", i.commandLine());
                t.line("user is ours", i.user().equals(ProcessHandle.current().info().user()));
                t.line("startInstant present", i.startInstant().isPresent());
                t.line("totalCpuDuration present", i.totalCpuDuration().isPresent());
                t.line("handle info command", p.toHandle().info().command());
                p.destroy();
                t.exit("sleep", p);
            }
        });
        c.add("handle/info-of-script-without-shebang", t -> {
            Path f = ProgramCases.script(t, "sleeper", "exec sleep 30\n", "rwxr-xr-x");
            Path g = ProgramCases.script(t, "waiter", "echo started; read x\n", "rwxr-xr-x");
            Process p = t.start("script", new ProcessBuilder(g.toString(), "arg1"));
            if (p != null) {
                t.line("line", p.inputReader().readLine());
                t.line("command", p.info().command());
                t.line("arguments", p.info().arguments().map(a -> t.normalise(List.of(a).toString())));
                p.getOutputStream().close();
                t.exit("script", p);
            }
            t.line("unused", f.getFileName());
        });
        c.add("handle/info-and-parent-after-exit", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sleep", "0.1"));
            if (p != null) {
                t.exit("sleep", p);
                ProcessHandle.Info i = p.info();
                t.line("command", i.command());
                t.line("arguments", i.arguments().map(List::of));
                t.line("startInstant", i.startInstant().isPresent());
                t.line("user", i.user().isPresent());
                t.line("parent", p.toHandle().parent().isPresent());
                t.line("children", p.children().count());
                t.line("handle destroy", p.toHandle().destroy());
                t.line("handle destroyForcibly", p.toHandle().destroyForcibly());
                t.line("handle onExit done", p.toHandle().onExit().get(30, TimeUnit.SECONDS).pid() == p.pid());
            }
        });
        c.add("handle/children-and-descendants", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "sleep 30 & sh -c 'sleep 31 & echo inner; wait' & read x"));
            if (p != null) {
                // Wait until both levels exist: the inner shell says so.
                t.line("inner", p.inputReader().readLine());
                Thread.sleep(100);
                t.line("children", p.children().map(h -> h.info().command().orElse("?")).sorted().toList());
                t.line("descendants", p.descendants().map(h -> h.info().command().orElse("?")).sorted().toList());
                t.line("handle children", p.toHandle().children().count());
                t.line("children's parent", p.children().allMatch(h -> h.parent().map(x -> x.pid() == p.pid()).orElse(false)));
                for (ProcessHandle h : p.descendants().toList()) {
                    h.destroyForcibly();
                }
                p.destroyForcibly();
                t.exit("sh", p);
            }
        });
        c.add("handle/destroy-through-handle", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sleep", "30"));
            if (p != null) {
                t.line("handle destroy", p.toHandle().destroy());
                t.exit("sleep", p);
                t.line("process isAlive", p.isAlive());
            }
        });
        c.add("handle/destroyForcibly-through-of-pid", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sleep", "30"));
            if (p != null) {
                t.line("destroyForcibly", ProcessHandle.of(p.pid()).map(ProcessHandle::destroyForcibly).orElse(false));
                t.exit("sleep", p);
            }
        });
        c.add("handle/onExit-of-handle", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "sleep 0.1; exit 3"));
            if (p != null) {
                ProcessHandle h = p.toHandle().onExit().get(30, TimeUnit.SECONDS);
                t.line("handle completed for same pid", h.pid() == p.pid());
                t.line("isAlive", h.isAlive());
                t.exit("sh", p);
            }
        });
        c.add("handle/killed-externally", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sleep", "30"));
            if (p != null) {
                new ProcessBuilder("kill", "-KILL", Long.toString(p.pid())).start().waitFor();
                t.exit("sleep", p);
                t.line("onExit", p.onExit().get().exitValue());
            }
        });
        c.add("handle/current-is-not-destroyable", t -> {
            t.line("destroy current", attempt(t, () -> ProcessHandle.current().destroy()));
        });
        c.add("child/signal-dispositions-and-mask", t -> {
            Process p = t.start("cat", new ProcessBuilder("cat", "/proc/self/status"));
            if (p != null) {
                String status = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                status.lines().filter(l -> l.startsWith("Sig") && !l.startsWith("SigQ") || l.startsWith("ShdPnd") || l.startsWith("NoNewPrivs")
                    || l.startsWith("Cap") || l.startsWith("Seccomp")).forEach(t::line);
                t.exit("cat", p);
            }
        });
        c.add("child/signal-dispositions-of-a-shell", t -> {
            ProgramCases.runAndShow(t, new ProcessBuilder("sh", "-c", "trap"));
        });
        c.add("child/open-fds", t -> ProgramCases.runAndShow(t, new ProcessBuilder("ls", "/proc/self/fd")));
        c.add("child/open-fds-with-redirects", t -> {
            ProcessBuilder pb = new ProcessBuilder("ls", "-l", "/proc/self/fd").redirectInput(new java.io.File("/dev/null"))
                .redirectError(t.file("err").toFile());
            Process p = t.start("ls", pb);
            if (p != null) {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                out.lines().filter(l -> l.contains("->")).map(l -> l.substring(l.indexOf(':') + 4))
                    .map(l -> l.replaceAll("pipe:\\[\\d+]", "pipe").replaceAll("/proc/\\d+/", "/proc/N/"))
                    .map(t::normalise).forEach(t::line);
                t.exit("ls", p);
            }
        });
        c.add("child/open-fds-while-this-jvm-holds-200-files-and-a-socket", t -> {
            List<java.io.Closeable> open = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 200; i++) {
                    Path f = t.file("held" + i);
                    Files.writeString(f, "x");
                    open.add(new java.io.FileInputStream(f.toFile()));
                }
                open.add(new java.net.ServerSocket(0));
                ProgramCases.runAndShow(t, new ProcessBuilder("ls", "/proc/self/fd"));
            } finally {
                for (java.io.Closeable c2 : open) {
                    c2.close();
                }
            }
        });
        c.add("child/limits", t -> {
            Process p = t.start("cat", new ProcessBuilder("cat", "/proc/self/limits"));
            if (p != null) {
                String mine = Files.readString(Path.of("/proc/self/limits"));
                String child = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                child.lines().forEach(t::line);
                t.line("same as this JVM's", mine.equals(child));
                t.exit("cat", p);
            }
        });
        c.add("child/process-group-and-session", t -> {
            Process p = t.start("cat", new ProcessBuilder("cat", "/proc/self/stat"));
            if (p != null) {
                String[] child = afterComm(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                String[] mine = afterComm(Files.readString(Path.of("/proc/self/stat")));
                t.line("ppid is this JVM", child[1].equals(Long.toString(ProcessHandle.current().pid())));
                t.line("same process group", child[2].equals(mine[2]));
                t.line("same session", child[3].equals(mine[3]));
                t.line("same tty", child[4].equals(mine[4]));
                t.line("nice same", child[16].equals(mine[16]));
                t.line("exit signal", child[35]);
                t.exit("cat", p);
            }
        });
        c.add("child/umask-and-ids", t -> ProgramCases.runAndShow(t, new ProcessBuilder("sh", "-c", "umask; id -u; id -g")));
        c.add("child/cgroup-same-as-jvm", t -> {
            Process p = t.start("cat", new ProcessBuilder("cat", "/proc/self/cgroup"));
            if (p != null) {
                String child = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                t.line("same", child.equals(Files.readString(Path.of("/proc/self/cgroup"))));
                t.exit("cat", p);
            }
        });
        c.add("child/stdin-is-a-pipe-not-a-tty", t -> ProgramCases.runAndShow(t, new ProcessBuilder("sh", "-c",
            "[ -p /dev/stdin ] && echo in-pipe; [ -p /dev/stdout ] && echo out-pipe; [ -p /dev/stderr ] && echo err-pipe; "
            + "[ -t 0 ] || echo not-a-tty")));
        c.add("child/pipe-capacity-and-flags", t -> {
            ProgramCases.runAndShow(t, new ProcessBuilder("sh", "-c",
                "for f in 0 1 2; do grep flags /proc/self/fdinfo/$f; done"));
        });
        c.add("child/descendant-reaped-when-orphaned", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "sleep 0.2 & echo $!"));
            if (p != null) {
                long grandchild = Long.parseLong(p.inputReader().readLine().strip());
                t.exit("sh", p);
                Optional<ProcessHandle> h = ProcessHandle.of(grandchild);
                t.line("orphan present", h.isPresent());
                t.line("orphan's parent is not this JVM", h.flatMap(ProcessHandle::parent)
                    .map(x -> x.pid() != ProcessHandle.current().pid()).orElse(true));
                h.ifPresent(x -> x.onExit().join());
            }
        });
    }

    /** The fields of /proc/PID/stat after the command name: [0] is state, [1] ppid, [2] pgrp… */
    private static String[] afterComm(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).strip().split(" ");
    }
}
