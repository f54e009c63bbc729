package dev.vfork4j.spawn;

/**
 * A child just started by a launcher: its pid, its pidfd, and this JVM's ends of the pipes
 * that were asked for (-1 where the stream was not piped). Every fd is O_CLOEXEC, and the
 * pipe ends are O_NONBLOCK. The receiver owns them all.
 */
public record Spawned(long pid, int pidfd, int stdin, int stdout, int stderr) {}
