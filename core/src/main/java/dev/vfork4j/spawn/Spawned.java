package dev.vfork4j.spawn;

/**
 * A child just started by a launcher: its pid, its pidfd, and this JVM's ends of the pipes
 * that were asked for (-1 where the stream was not piped). Every fd is O_CLOEXEC, and the
 * pipe ends are O_NONBLOCK. The receiver owns them all.
 *
 * @param startTick the child's start time as /proc/PID/stat gives it, known without reading it
 *                  ({@link StartTime}), or {@link StartTime#UNKNOWN}
 */
public record Spawned(long pid, int pidfd, int stdin, int stdout, int stderr, long startTick) {}
