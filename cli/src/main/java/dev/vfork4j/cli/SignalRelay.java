package dev.vfork4j.cli;

import dev.vfork4j.Child;
import dev.vfork4j.Signal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import sun.misc.SignalHandler;

/**
 * While {@code run} waits for its child, SIGHUP, SIGINT and SIGTERM sent to this JVM go to the
 * child instead of shutting the JVM down, so that {@code run} can be stopped the way a shell or a
 * supervisor stops any command: the child gets the signal, and {@code run} exits with the child's
 * status once it has ended (as {@code timeout(1)} and tini do). Left to the JVM, the signal ends
 * the JVM and the child runs on, orphaned.
 *
 * <p>The child is in this JVM's process group ({@code run} makes no group of its own), so a
 * signal sent to the whole group, such as the terminal's SIGINT at Ctrl-C, reaches the child
 * directly and is forwarded as well, as {@code timeout(1)} forwards it.
 *
 * <p>A signal this JVM ignored at launch ({@code nohup}) stays ignored: the JVM refuses a handler
 * for it, and the child inherits the ignored disposition anyway. Under {@code -Xrs} the JVM
 * refuses these handlers too; that signal then keeps its JVM default.
 *
 * <p>{@code sun.misc.Signal} (module jdk.unsupported) is the JDK's only way to handle a signal
 * in Java code; the handler runs on a JVM thread, not in signal context.
 */
final class SignalRelay implements AutoCloseable {

    static final List<Signal> RELAYED = List.of(Signal.SIGHUP, Signal.SIGINT, Signal.SIGTERM);

    private final Map<sun.misc.Signal, SignalHandler> previous = new LinkedHashMap<>();
    /** Signals that arrived before the child existed, delivered to it as soon as it does. */
    private final List<Signal> early = new ArrayList<>();
    private Child child;

    private SignalRelay() {}

    /** Takes over {@link #RELAYED}, keeping each signal until {@link #forwardTo} names the child. */
    static SignalRelay install() {
        SignalRelay relay = new SignalRelay();
        for (Signal s : RELAYED) {
            sun.misc.Signal signal = new sun.misc.Signal(s.name().substring("SIG".length()));
            try {
                SignalHandler old = sun.misc.Signal.handle(signal, received -> relay.received(s));
                if (old == SignalHandler.SIG_IGN) {
                    // Ignored at launch: the JVM kept SIG_IGN and did not install ours.
                    continue;
                }
                relay.previous.put(signal, old);
            } catch (IllegalArgumentException e) {
                // -Xrs: the JVM keeps its hands off the shutdown signals, and so must we.
            }
        }
        return relay;
    }

    private synchronized void received(Signal signal) {
        if (child == null) {
            early.add(signal);
        } else {
            send(child, signal);
        }
    }

    /** To the child, or to its whole cgroup when it has one of its own ({@code run --contain}). */
    private static void send(Child child, Signal s) {
        if (child.cgroup().isPresent()) {
            child.killTree(s);
        } else {
            child.signal(s);
        }
    }

    /** From now on each relayed signal goes to {@code child}, starting with any that came early. */
    synchronized void forwardTo(Child child) {
        this.child = child;
        for (Signal s : early) {
            send(child, s);
        }
        early.clear();
    }

    /** Gives each signal back to the handler it had before {@link #install()}. */
    @Override
    public void close() {
        previous.forEach(sun.misc.Signal::handle);
        previous.clear();
    }
}
