/**
 * The event loop and what it watches: one thread ({@code EventLoop}) with its epoll set
 * ({@code EpollPoller}), woken by an eventfd and timed by a timerfd; children's exits through
 * pidfds ({@code PidFd}); pipes read and written without blocking ({@code PipeReader},
 * {@code PipeWriter}, the Process streams); and a platform thread's own wait in the kernel
 * ({@code KernelWait}).
 *
 * <p>May use: {@code dev.vfork4j.linux} only ({@code LayeringTest}); what it delivers goes to
 * its own interfaces ({@code ChunkSink}), which the API adapts. Internal: not exported.
 */
package dev.vfork4j.loop;
