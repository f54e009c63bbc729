/**
 * The bindings to Linux and glibc, and nothing else: {@code LibC} (one downcall shape, each
 * function linked at its first call, errno captured into a segment the caller owns), the
 * constants and struct layouts ({@code Linux}, {@code Siginfo}, {@code EpollEvent}), and
 * {@code Posix}, the one place an errno becomes an {@code ErrnoException}, with an
 * allocation-free tier that returns {@code -errno} for the event loop's hot paths.
 *
 * <p>May use: the JDK only, no other package of vfork4j ({@code LayeringTest}). Internal: not
 * exported by the module.
 */
package dev.vfork4j.linux;
