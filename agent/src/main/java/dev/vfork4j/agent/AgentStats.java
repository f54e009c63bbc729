package dev.vfork4j.agent;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the hook did, for the conformance suite and the figures of real applications: when
 * {@code -Dvfork4j.agent.stats=FILE} is set, one line
 * {@code pid=<pid> vfork4j=<children started through vfork4j> jdk=<requests declined to the JDK>}
 * is appended to FILE at the JVM's exit, in one write(2) on a file opened with O_APPEND, so many
 * JVMs may share the file. A start that failed (and threw to the application) is in neither count.
 */
final class AgentStats {
    private AgentStats() {}

    static final String PROPERTY = "vfork4j.agent.stats";

    private static final AtomicLong STARTED = new AtomicLong();
    private static final AtomicLong DECLINED = new AtomicLong();

    static void started() {
        STARTED.incrementAndGet();
    }

    static void declined() {
        DECLINED.incrementAndGet();
    }

    /** Registers the exit hook when the property names a file; called once, at premain. */
    static void writeAtExit() {
        String file = System.getProperty(PROPERTY);
        if (file == null || file.isEmpty()) {
            return;
        }
        Thread hook = new Thread(() -> write(file), "vfork4j-agent-stats");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    static String line() {
        return "pid=" + ProcessHandle.current().pid() + " vfork4j=" + STARTED.get() + " jdk=" + DECLINED.get() + "\n";
    }

    private static void write(String file) {
        byte[] line = line().getBytes(StandardCharsets.UTF_8);
        try (FileOutputStream out = new FileOutputStream(file, true)) {
            out.write(line); // one write(2) of the whole line, O_APPEND: lines of many JVMs never interleave
        } catch (IOException e) {
            System.getLogger(Agent.LOGGER).log(System.Logger.Level.WARNING,
                "vfork4j agent: cannot append its figures to " + file + ": " + e.getMessage());
        }
    }
}
