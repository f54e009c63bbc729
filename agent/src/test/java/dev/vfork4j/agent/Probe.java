package dev.vfork4j.agent;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The program {@link AgentIT} runs in a JVM with the agent and in one without: each case prints
 * what an application can see (outputs, exit values, exception types and messages, stream
 * classes, toString with the pid masked), and the two JVMs' outputs must be equal.
 */
public final class Probe {
    private Probe() {}

    public static void main(String[] args) throws Throwable {
        switch (args[0]) {
            case "true" -> System.out.println("exit " + new ProcessBuilder("true").start().waitFor());
            case "true-later" -> {
                awaitAgentThread();
                System.out.println("exit " + new ProcessBuilder("true").start().waitFor());
            }
            case "loop-before-first-start" -> {
                awaitAgentThread();
                System.out.println("loop " + Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("vfork4j-loop")));
                System.out.println("exit " + new ProcessBuilder("true").start().waitFor());
            }
            case "all" -> all(Path.of(args[1]));
            case "reentrant" -> reentrant();
            case "environ" -> environ();
            case "signals" -> signals();
            case "foreign-map" -> foreignMap();
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /** Until the agent's thread (warm-up, then the rewrite) has ended, if there is one. */
    private static void awaitAgentThread() throws InterruptedException {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("vfork4j-agent")) {
                t.join();
            }
        }
    }

    private interface Case {
        String run() throws Exception;
    }

    private static void show(String name, Case c) {
        String result;
        try {
            result = c.run();
        } catch (Exception e) {
            result = e.getClass().getName() + ": " + e.getMessage()
                + (e.getCause() == null ? "" : " / " + e.getCause().getClass().getName() + ": " + e.getCause().getMessage());
        }
        System.out.println(name + " -> " + result.replaceAll("pid=\\d+", "pid=N"));
        System.out.flush();
    }

    private static String read(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    /** The JDK's null streams by name; a pipe stream's class is the JDK's own or vfork4j's, so only "pipe". */
    private static String kind(Object stream) {
        String name = stream.getClass().getName();
        return name.startsWith("java.lang.ProcessBuilder$Null") ? name.substring("java.lang.ProcessBuilder$".length()) : "pipe";
    }

    private static void all(Path tmp) throws Exception {
        show("streams and exit", () -> {
            Process p = new ProcessBuilder("sh", "-c", "echo out; echo err >&2; exit 3").start();
            String out = read(p.getInputStream()) + read(p.getErrorStream());
            return out + p.waitFor() + " " + p;
        });
        show("toString while running, destroy, read after destroy", () -> {
            Process p = new ProcessBuilder("sleep", "30").start();
            String before = p.toString();
            p.destroy();
            int code = p.waitFor();
            String after;
            try {
                after = String.valueOf(p.getInputStream().read());
            } catch (IOException e) {
                after = e.getMessage();
            }
            return before + " " + code + " " + p + " " + after + " " + p.isAlive() + " " + p.supportsNormalTermination();
        });
        show("output read after exit", () -> {
            Process p = new ProcessBuilder("sh", "-c", "echo late").start();
            p.waitFor();
            return read(p.getInputStream());
        });
        show("stdin pipe", () -> {
            Process p = new ProcessBuilder("cat").start();
            try (OutputStream in = p.getOutputStream()) {
                in.write("fed\n".getBytes(StandardCharsets.UTF_8));
            }
            return read(p.getInputStream()) + p.waitFor();
        });
        show("stdin written after the application closed it", () -> {
            // A child that outlives the close (cat would exit at the end of its input, and a write
            // after the exit fails otherwise: "Stream closed", once the exit has been seen).
            Process p = new ProcessBuilder("sleep", "30").start();
            OutputStream in = p.getOutputStream();
            try {
                in.close();
                in.write(1);
                in.flush();
                return "written";
            } finally {
                p.destroyForcibly().waitFor();
            }
        });
        show("missing program", () -> new ProcessBuilder("/no/such/program").start().toString());
        show("missing directory", () -> new ProcessBuilder("true").directory(new File("/no/such/dir")).start().toString());
        show("input from missing file", () -> new ProcessBuilder("cat").redirectInput(new File("/no/such/in")).start().toString());
        show("output to a directory", () -> new ProcessBuilder("true").redirectOutput(tmp.toFile()).start().toString());
        show("error to a directory with redirectErrorStream", () ->
            new ProcessBuilder("true").redirectErrorStream(true).redirectError(tmp.toFile()).start().toString());
        show("redirected streams are the JDK's null streams", () -> {
            Process p = new ProcessBuilder("true").redirectInput(new File("/dev/null")).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectErrorStream(true).start();
            String write;
            try {
                p.getOutputStream().write(1);
                write = "written";
            } catch (IOException e) {
                write = e.getMessage();
            }
            return kind(p.getOutputStream()) + " " + kind(p.getInputStream()) + " " + kind(p.getErrorStream()) + " " + write + " " + p.waitFor();
        });
        show("the error stream under redirectErrorStream", () -> {
            Process p = new ProcessBuilder("true").redirectErrorStream(true).start();
            InputStream err = p.getErrorStream();
            String open = kind(err) + " " + err.read() + " " + err.available() + " " + p.waitFor() + " " + err.read();
            err.close();
            try {
                return open + " " + err.read();
            } catch (IOException e) {
                return open + " " + e.getMessage();
            }
        });
        show("redirectErrorStream", () -> {
            Process p = new ProcessBuilder("sh", "-c", "echo a; echo b >&2").redirectErrorStream(true).start();
            return read(p.getInputStream()).length() + " " + p.getErrorStream().read() + " " + p.waitFor();
        });
        show("file redirects", () -> {
            Path in = tmp.resolve("in.txt");
            Path out = tmp.resolve("out.txt");
            Files.writeString(in, "from a file\n");
            Files.writeString(out, "old\n");
            int code = new ProcessBuilder("cat").redirectInput(in.toFile()).redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                .start().waitFor();
            return code + " " + Files.readString(out);
        });
        show("pipeline of four stages", () -> {
            List<Process> ps = ProcessBuilder.startPipeline(List.of(new ProcessBuilder("printf", "b\\na\\nb\\nc\\n"),
                new ProcessBuilder("sort"), new ProcessBuilder("uniq"), new ProcessBuilder("tr", "a-z", "A-Z")));
            String out = read(ps.getLast().getInputStream());
            List<String> seen = new ArrayList<>();
            for (Process p : ps) {
                seen.add(p.waitFor() + ":" + kind(p.getInputStream()) + ":" + kind(p.getOutputStream()));
            }
            return out.replace('\n', ' ') + seen;
        });
        show("script without #!", () -> {
            Path script = tmp.resolve("script");
            Files.writeString(script, "echo from the shell\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
            Process p = new ProcessBuilder(script.toString()).start();
            return read(p.getInputStream()) + p.waitFor();
        });
        show("environment", () -> {
            ProcessBuilder pb = new ProcessBuilder("env");
            pb.environment().clear();
            pb.environment().put("ONLY", "this");
            Process p = pb.start();
            return read(p.getInputStream()) + p.waitFor();
        });
        show("directory", () -> {
            Process p = new ProcessBuilder("pwd").directory(tmp.toFile()).start();
            return read(p.getInputStream()).equals(tmp.toRealPath() + "\n") + " " + p.waitFor();
        });
        show("onExit, toHandle", () -> {
            Process p = new ProcessBuilder("true").start();
            return (p.onExit().get() == p) + " " + (p.toHandle().pid() == p.pid()) + " " + p.exitValue();
        });
        show("toHandle is the JDK's handle of the child", () -> {
            Process p = new ProcessBuilder("sleep", "30").start();
            ProcessHandle h = p.toHandle();
            ProcessHandle of = ProcessHandle.of(p.pid()).orElseThrow();
            String seen = h.getClass().getName() + " same=" + (h == p.toHandle()) + " equalsOf=" + h.equals(of)
                + " ofEquals=" + of.equals(h) + " inChildren=" + ProcessHandle.current().children().anyMatch(c -> c.equals(h))
                + " childrenEqual=" + ProcessHandle.current().children().anyMatch(h::equals)
                + " set=" + new HashSet<>(List.of(h, of)).size() + " compareTo=" + h.compareTo(of) + " hash=" + (h.hashCode() == of.hashCode())
                + " alive=" + h.isAlive() + " parent=" + (h.parent().orElseThrow().pid() == ProcessHandle.current().pid())
                + " command=" + h.info().command().orElse("?") + " infoSame=" + p.info().command().equals(h.info().command())
                + " normal=" + h.supportsNormalTermination() + " children=" + p.children().count();
            boolean destroyed = h.destroy();
            ProcessHandle exited = h.onExit().get(10, TimeUnit.SECONDS);
            int code = p.waitFor();
            return seen + " destroy=" + destroyed + " onExit=" + (exited == h) + " exit=" + code + " aliveAfter=" + h.isAlive()
                + " ofAfter=" + ProcessHandle.of(p.pid()).isPresent() + " destroyAfter=" + h.destroy() + " infoAfter=" + h.info().command();
        });
        show("the JDK's handles of many children, each with its start time", () -> {
            // The agent makes most of them from the start time the clone gave (after two taken
            // the JDK's way agree on the JDK's boot time): each must equal the JDK's own and be alive.
            List<Process> ps = new ArrayList<>();
            int equal = 0;
            int alive = 0;
            for (int i = 0; i < 100; i++) {
                Process p = new ProcessBuilder("sleep", "30").start();
                ps.add(p);
                ProcessHandle h = p.toHandle();
                ProcessHandle of = ProcessHandle.of(p.pid()).orElseThrow();
                equal += h.equals(of) && of.equals(h) ? 1 : 0;
                alive += h.isAlive() ? 1 : 0;
            }
            int aliveAfter = 0;
            for (Process p : ps) {
                p.destroy();
                p.waitFor();
                aliveAfter += p.toHandle().isAlive() ? 1 : 0;
            }
            return "equal=" + equal + " alive=" + alive + " aliveAfter=" + aliveAfter;
        });
        show("the handle's onExit once the child exits by itself", () -> {
            Process p = new ProcessBuilder("sleep", "0.3").start();
            ProcessHandle h = p.toHandle();
            ProcessHandle exited = h.onExit().get(10, TimeUnit.SECONDS);
            return (exited == h) + " " + p.waitFor() + " " + p.toHandle().equals(h);
        });
        show("a subscriber to the handle's onExit, then waitFor", () -> {
            // The JDK runs the subscriber on its reaper thread; vfork4j, whose waiter reaps,
            // must not run it inside that waitFor (nor on its loop), and only after the reap.
            Process p = new ProcessBuilder("sleep", "0.2").start();
            Thread waiter = Thread.currentThread();
            CompletableFuture<String> seen = p.toHandle().onExit()
                .thenApply(h -> "onTheWaiter=" + (Thread.currentThread() == waiter) + " alive=" + h.isAlive()
                    + " onTheLoop=" + Thread.currentThread().getName().startsWith("vfork4j"));
            int code = p.waitFor();
            return code + " " + seen.get(10, TimeUnit.SECONDS);
        });
        show("children and descendants", () -> {
            Process p = new ProcessBuilder("sh", "-c", "sleep 30 & sleep 30 & wait").start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (p.children().count() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            List<ProcessHandle> kids = p.children().toList();
            String seen = kids.size() + " " + p.descendants().count() + " "
                + kids.stream().allMatch(k -> k.parent().orElseThrow().equals(p.toHandle()))
                + " " + kids.stream().map(k -> k.info().command().orElse("?")).toList();
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            return seen + " " + p.waitFor();
        });
        show("Runtime.exec", () -> {
            Process p = Runtime.getRuntime().exec(new String[] {"sh", "-c", "exit 7"});
            return String.valueOf(p.waitFor());
        });
    }

    /**
     * The child's ignored signals (its SigIgn) when this JVM ignores signals it did not at its
     * launch: set natively after a first start (by then vfork4j has looked at this JVM's
     * dispositions), SIGWINCH, which the JVM has no handler for, and SIGPIPE, which it has. The
     * JDK's children keep what the JVM ignores, exec keeping SIG_IGN, but SIGPIPE, which its
     * childproc sets back to default.
     */
    @SuppressWarnings("restricted")
    private static void signals() throws Throwable {
        show("before", Probe::childSigIgn);
        Linker linker = Linker.nativeLinker();
        // sigaction(2), so that the JVM's own SIGPIPE action (its flags included) is put back as it was
        MethodHandle sigaction = linker.downcallHandle(linker.defaultLookup().find("sigaction").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ignore = arena.allocate(256, 8); // a glibc struct sigaction (152 bytes on x86_64), zeroed
            ignore.set(ValueLayout.JAVA_LONG, 0, 1); // sa_handler = SIG_IGN
            MemorySegment winch = arena.allocate(256, 8);
            MemorySegment pipe = arena.allocate(256, 8);
            int set = (int) sigaction.invokeExact(28 /* SIGWINCH */, ignore, winch);
            show("SIGWINCH ignored", Probe::childSigIgn);
            set |= (int) sigaction.invokeExact(13 /* SIGPIPE */, ignore, pipe);
            show("SIGWINCH and SIGPIPE ignored", Probe::childSigIgn);
            set |= (int) sigaction.invokeExact(13, pipe, MemorySegment.NULL);
            set |= (int) sigaction.invokeExact(28, winch, MemorySegment.NULL);
            show("both as they were", Probe::childSigIgn);
            System.out.println("sigaction " + set);
        }
    }

    private static String childSigIgn() throws Exception {
        Process p = new ProcessBuilder("grep", "^SigIgn", "/proc/self/status").start();
        return read(p.getInputStream()).strip() + " " + p.waitFor();
    }

    /**
     * The environment as the kernel gives it to the child, bytes and order: after System.getenv()
     * has taken its copy, native code sets one variable and unsets another (as a JNI library or
     * an embedding launcher may), and the JVM was started with {@code VFORK4J_RAW}, whose bytes
     * sun.jnu.encoding cannot decode (AgentIT sets it). A builder whose environment is untouched
     * passes the process's environ; a touched one the JDK's copy, with each inherited variable's
     * own bytes.
     */
    @SuppressWarnings("restricted")
    private static void environ() throws Throwable {
        System.out.println("getenv has VFORK4J_RAW: " + System.getenv().containsKey("VFORK4J_RAW"));
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        MethodHandle setenv = linker.downcallHandle(libc.find("setenv").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        MethodHandle unsetenv = linker.downcallHandle(libc.find("unsetenv").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            int set = (int) setenv.invokeExact(arena.allocateFrom("VFORK4J_NATIVE"), arena.allocateFrom("set by setenv(3)"), 1);
            int unset = (int) unsetenv.invokeExact(arena.allocateFrom("VFORK4J_GONE"));
            System.out.println("setenv " + set + ", unsetenv " + unset);
        }
        String script = "printf 'native=%s gone=%s raw=' \"${VFORK4J_NATIVE-unset}\" \"${VFORK4J_GONE-unset}\";"
            + " printf '%s' \"$VFORK4J_RAW\" | od -An -tx1";
        show("untouched environment", () -> read(new ProcessBuilder("sh", "-c", script).start().getInputStream()));
        ProcessBuilder touched = new ProcessBuilder("sh", "-c", script + "; printf 'added=%s' \"$VFORK4J_ADDED\"");
        touched.environment().put("VFORK4J_ADDED", "yes");
        show("touched environment", () -> read(touched.start().getInputStream()));
        // env prints the variables in the order of the array execve was given.
        show("untouched, names in order", () -> read(new ProcessBuilder("sh", "-c", "env | cut -d= -f1 | tr '\\n' ' '")
            .start().getInputStream()));
        ProcessBuilder touchedOrder = new ProcessBuilder("sh", "-c", "env | cut -d= -f1 | tr '\\n' ' '");
        touchedOrder.environment().remove("VFORK4J_GONE");
        show("touched, names in order", () -> read(touchedOrder.start().getInputStream()));
    }

    /**
     * ProcessImpl.start called directly (reflection, java.lang opened) with an environment map
     * that is not ProcessBuilder's: the JDK's code casts it and fails; with the agent, the hook
     * declines and the JDK's code fails the same way.
     */
    private static void foreignMap() throws Exception {
        java.lang.reflect.Method start = Class.forName("java.lang.ProcessImpl").getDeclaredMethod("start", String[].class,
            java.util.Map.class, String.class, ProcessBuilder.Redirect[].class, boolean.class);
        start.setAccessible(true);
        try {
            Process p = (Process) start.invoke(null, new String[] {"true"}, new java.util.HashMap<>(java.util.Map.of("A", "1")),
                null, null, false);
            System.out.println("started, exit " + p.waitFor());
        } catch (java.lang.reflect.InvocationTargetException e) {
            System.out.println("threw " + e.getCause().getClass().getName());
        }
    }

    /**
     * A start made while the hook is starting another, on the same thread: the redirect file's
     * getPath(), which FileInputStream calls as the hook opens it, starts a child itself.
     */
    private static void reentrant() throws Exception {
        File input = new File("/dev/null") {
            private static final long serialVersionUID = 1L;
            private boolean started;

            @Override
            public String getPath() {
                if (!started) {
                    started = true;
                    try {
                        System.out.println("inner exit " + new ProcessBuilder("true").start().waitFor());
                    } catch (IOException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
                return super.getPath();
            }
        };
        System.out.println("outer exit " + new ProcessBuilder("true").redirectInput(input).start().waitFor());
    }
}
