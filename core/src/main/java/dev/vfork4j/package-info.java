/**
 * Child processes started from Java the vfork way: the child borrows the parent's memory until
 * it calls exec, so starting one costs the same whatever the size of the JVM's heap. Built on
 * the Foreign Function &amp; Memory API, with no JNI and no native library to ship. Linux only
 * (x86_64 and aarch64), JDK 25 or newer.
 *
 * <h2>Entry points</h2>
 * <ul>
 *   <li>{@link Command}: a program to run and how, as an immutable value, with the
 *       verbs {@link Command#start() start()} (returns at once),
 *       {@link Command#run() run()} (waits, streams inherited) and
 *       {@link Command#output() output()} (waits, stdout and stderr captured).
 *       <pre>{@code
 * Output out = Command.of("git", "status", "--short").directory(repo).output();
 * }</pre></li>
 *   <li>{@link Pipeline}: commands connected stdout to stdin, as a shell's
 *       {@code a | b | c}, without a shell.</li>
 *   <li>{@link Vfork4j#start(ProcessBuilder) Vfork4j.start(pb)}: a drop-in for
 *       {@code pb.start()} in code written against {@link java.lang.ProcessBuilder}.</li>
 * </ul>
 * A started child is a {@link Child}, which is a {@link java.lang.Process}; how it
 * ended is an {@link ExitStatus}. A child that cannot be started is reported by a
 * {@link SpawnException} (with the failed step and the errno), a child that ran past
 * its timeout by a {@link ProcessTimeoutException}.
 *
 * <h2>Mechanisms</h2>
 * How a child is created is a {@link Mechanism}: {@code VFORK} (clone3 with
 * CLONE_VM | CLONE_VFORK, the default where it works: Linux 5.9 or newer), {@code POSIX_SPAWN}
 * (glibc's posix_spawn, chosen when VFORK does not work), {@code FORK} (for measuring what vfork
 * saves; never the default) and {@code JDK} ({@link java.lang.ProcessBuilder#start()}, the last
 * resort). {@link Mechanism#best()} is the one a Command uses unless told otherwise.
 * The program, arguments, environment, directory and redirects work the same under every
 * mechanism; the process attributes (a new session, a umask, resource limits…) only under those
 * that can set them, and a Command asking a mechanism for one it cannot set fails at
 * {@code start()} with an {@link java.lang.UnsupportedOperationException} naming the attribute,
 * never silently.
 *
 * <h2 id="native-access">Native access</h2>
 * The native mechanisms (VFORK, POSIX_SPAWN, FORK) call the kernel and glibc through the FFM
 * API's restricted methods, which the JVM lets a module call only when native access is
 * enabled for it. Start the JVM with
 * <ul>
 *   <li>{@code --enable-native-access=dev.vfork4j} when vfork4j is on the module path;</li>
 *   <li>{@code --enable-native-access=ALL-UNNAMED} when it is on the class path (or
 *       {@code Enable-Native-Access: ALL-UNNAMED} in an executable jar's manifest).</li>
 * </ul>
 * Without the flag:
 * <ul>
 *   <li>By default ({@code --illegal-native-access=warn} in JDK 25) everything works, and the
 *       JDK prints a warning to stderr at vfork4j's first native call, naming the flag that
 *       silences it.</li>
 *   <li>In a JVM started with {@code --illegal-native-access=deny}, the native mechanisms are
 *       unavailable ({@link Mechanism#unavailableReason()} names the flag),
 *       {@link Mechanism#best()} is {@code JDK}, and every verb
 *       ({@code start()}, {@code run()}, {@code output()}, {@code outputAsync()},
 *       {@code Vfork4j.start(pb)}) works through {@link java.lang.ProcessBuilder}. What only a
 *       native mechanism can do throws an {@link java.lang.UnsupportedOperationException} whose
 *       message names the flag to pass: a native mechanism asked for with
 *       {@link Command#mechanism(Mechanism)}, a process attribute
 *       ({@code newSession}, {@code processGroup}, {@code parentDeathSignal}, {@code umask},
 *       {@code limit}, {@code user}, {@code noNewPrivileges}, {@code cgroup}, {@code keepFd},
 *       {@code signalMask}, {@code contained}) at {@code start()}, a {@link Pipeline}, and
 *       {@link Child#signal(Signal) signal} or
 *       {@link Child#killTree(Signal) killTree} with a signal other than SIGTERM and
 *       SIGKILL.</li>
 * </ul>
 */
package dev.vfork4j;
