package dev.vfork4j.conformance;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * What one case observed, as lines that must read the same in every JVM that behaves as the
 * JDK does: exit codes, bytes, exception types and messages, with what differs from run to run
 * (pids, the scratch directory's path, this JVM's pid) replaced by fixed words.
 */
final class Transcript {

    private static final Pattern PID_FIELD = Pattern.compile("pid=\\d+");

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<Process> started = new CopyOnWriteArrayList<>();
    private final String scratch;
    private final Path dir;

    /** Children started by every case of this JVM, counted for the agent's stats. */
    static final AtomicLong STARTED = new AtomicLong();

    Transcript(Path scratch, Path dir) {
        this.scratch = scratch.toString();
        this.dir = dir;
    }

    /** This case's own empty directory under the scratch directory. */
    Path dir() {
        return dir;
    }

    /** A file of this case's directory. */
    Path file(String name) {
        return dir.resolve(name);
    }

    /** Records one observation; pids and the scratch directory are normalised. */
    void line(String text) {
        lines.add(normalise(text));
    }

    void line(String label, Object value) {
        line(label + ": " + value);
    }

    String normalise(String text) {
        if (text == null) {
            return "null";
        }
        String s = text.replace(scratch, "$S");
        s = PID_FIELD.matcher(s).replaceAll("pid=N");
        String self = Long.toString(ProcessHandle.current().pid());
        return s.replaceAll("\\b" + self + "\\b", "SELF");
    }

    /** A child this case started, killed if the case runs out of time. */
    <P extends Process> P track(P p) {
        started.add(p);
        STARTED.incrementAndGet();
        return p;
    }

    /** Tracks every process of a pipeline. */
    List<Process> trackAll(List<Process> ps) {
        ps.forEach(this::track);
        return ps;
    }

    List<Process> started() {
        return started;
    }

    /** Starts {@code pb}, recording the start's exception if it throws; null then. */
    Process start(String label, ProcessBuilder pb) {
        try {
            Process p = track(pb.start());
            line(label + " started", "pid>0=" + (p.pid() > 0));
            return p;
        } catch (Exception | Error e) {
            line(label + " start threw", describe(e));
            return null;
        }
    }

    /** Waits at most 30 s; a child still running then is killed and the case says so. */
    int exit(String label, Process p) throws InterruptedException {
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            line(label + " exit", "STILL RUNNING AFTER 30 s");
            return Integer.MIN_VALUE;
        }
        int code = p.exitValue();
        line(label + " exit", code);
        return code;
    }

    /** Reads the stream to its end and records its bytes (or what reading threw). */
    String drain(String label, InputStream in) {
        try {
            byte[] bytes = in.readAllBytes();
            String text = new String(bytes, StandardCharsets.UTF_8);
            line(label, quote(text));
            return text;
        } catch (IOException | RuntimeException e) {
            line(label + " threw", describe(e));
            return null;
        }
    }

    /** An exception as its class and message, then each cause's. */
    String describe(Throwable e) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = e; t != null && parts.size() < 4; t = t.getCause()) {
            parts.add(t.getClass().getName() + "(" + normalise(t.getMessage()) + ")");
        }
        return String.join(" <- ", parts);
    }

    static String quote(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        int shown = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (shown++ > 400) {
                b.append("…(").append(text.length()).append(" chars)");
                break;
            }
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\x%02x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    List<String> lines() {
        return List.copyOf(lines);
    }
}
