package dev.vfork4j;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * The {@link ProcessHandle} of a {@link NativeChild}. Its {@link #onExit()} and
 * {@link #isAlive()} come from the child's pidfd, and its destroy methods signal through the
 * pidfd, so no call can reach a process that reused the pid. Queries about the live process
 * (info, parent, children) go to the JDK's handle for the pid while the child runs.
 */
final class ChildHandle implements ProcessHandle {
    private final NativeChild child;

    ChildHandle(NativeChild child) {
        this.child = child;
    }

    private Optional<ProcessHandle> live() {
        return child.isAlive() ? ProcessHandle.of(child.pid()) : Optional.empty();
    }

    @Override
    public long pid() {
        return child.pid();
    }

    @Override
    public Optional<ProcessHandle> parent() {
        return live().flatMap(ProcessHandle::parent);
    }

    @Override
    public Stream<ProcessHandle> children() {
        return live().map(ProcessHandle::children).orElseGet(Stream::empty);
    }

    @Override
    public Stream<ProcessHandle> descendants() {
        return live().map(ProcessHandle::descendants).orElseGet(Stream::empty);
    }

    @Override
    public Info info() {
        return live().map(ProcessHandle::info).orElse(EmptyInfo.INSTANCE);
    }

    @Override
    public CompletableFuture<ProcessHandle> onExit() {
        return child.exit().handleAsync((status, failure) -> this);
    }

    @Override
    public boolean supportsNormalTermination() {
        return true;
    }

    @Override
    public boolean destroy() {
        if (!child.isAlive()) {
            return false;
        }
        child.destroy();
        return true;
    }

    @Override
    public boolean destroyForcibly() {
        if (!child.isAlive()) {
            return false;
        }
        child.destroyForcibly();
        return true;
    }

    @Override
    public boolean isAlive() {
        return child.isAlive();
    }

    @Override
    public int compareTo(ProcessHandle other) {
        return Long.compare(pid(), other.pid());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChildHandle other && other.child == child;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(pid());
    }

    @Override
    public String toString() {
        return String.valueOf(pid());
    }

    /** The info of a process that is gone: every field empty, printed as the JDK prints such an info. */
    private enum EmptyInfo implements Info {
        INSTANCE;

        /** {@return "[]", as the JDK's info of a process that has exited and been reaped} */
        @Override
        public String toString() {
            return "[]";
        }

        @Override
        public Optional<String> command() {
            return Optional.empty();
        }

        @Override
        public Optional<String> commandLine() {
            return Optional.empty();
        }

        @Override
        public Optional<String[]> arguments() {
            return Optional.empty();
        }

        @Override
        public Optional<Instant> startInstant() {
            return Optional.empty();
        }

        @Override
        public Optional<Duration> totalCpuDuration() {
            return Optional.empty();
        }

        @Override
        public Optional<String> user() {
            return Optional.empty();
        }
    }
}
