package dev.vfork4j;

import dev.vfork4j.spawn.ChildAttributes;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A program to run and how: an immutable value. Every attribute method returns a new
 * Command; {@link #start()}, {@link #run()} and {@link #output()} are the verbs.
 *
 * <pre>{@code
 * Output out = Command.of("git", "status", "--short").directory(repo).output();
 * }</pre>
 *
 * <h2>Defaults</h2>
 * <ul>
 *   <li>Environment: this JVM's ({@link System#getenv()}), unless {@link #environment(Map)}
 *       replaced it; {@link #env} and {@link #removeEnv} edit whichever applies.</li>
 *   <li>Directory: this JVM's working directory.</li>
 *   <li>Standard streams, when not redirected: {@link #start()} pipes all three, as
 *       ProcessBuilder does; {@link #run()} inherits all three; {@link #output()} reads stdin
 *       from {@code /dev/null} and captures stdout and stderr.</li>
 *   <li>Mechanism: {@link Mechanism#best()}.</li>
 *   <li>A program name without '/' is looked up in the PATH of this JVM, with execvp
 *       semantics; one with '/' is taken as a path, relative to the child's directory. An
 *       executable file the kernel cannot run (ENOEXEC: a shell script without {@code #!})
 *       is run with {@code /bin/sh} as {@code /bin/sh path args...}, as ProcessBuilder and
 *       execvp run it.</li>
 *   <li>Signals: the child starts with no signal blocked ({@link #signalMask} changes that),
 *       no handler, and every signal at its default action, except those this JVM inherited
 *       as ignored, which stay ignored as exec keeps them ({@code nohup} works). SIGPIPE
 *       always starts at its default, as in ProcessBuilder's children. A signal that native
 *       code in this JVM (a library, an agent) ignored after launch is not passed on: what
 *       the JVM inherited is recorded at vfork4j's first spawn, the earliest point a library
 *       can see, so a signal ignored before that counts as inherited. (ProcessBuilder's
 *       children keep every ignored signal but SIGPIPE.)</li>
 *   <li>The program, arguments, environment, directory and redirect file names are encoded
 *       with {@code sun.jnu.encoding}, the platform encoding of the locale the JVM started
 *       in, as ProcessBuilder encodes them; a character it cannot hold becomes '?'.</li>
 * </ul>
 *
 * Bad input is rejected where it enters, with {@link IllegalArgumentException}: an empty
 * argv or program, a NUL byte in the program, an argument, a variable name or value or the
 * directory, and a variable name that is empty or contains '='. A null argument is a
 * {@link NullPointerException}, except where a method says null means a default.
 *
 * <h2>Native access</h2>
 * The default mechanisms make native calls: the JVM needs
 * {@code --enable-native-access=dev.vfork4j} (module path) or
 * {@code --enable-native-access=ALL-UNNAMED} (class path). Without the flag the JDK prints a
 * warning at the first call; a JVM started with {@code --illegal-native-access=deny} runs
 * every verb through {@link ProcessBuilder} ({@link Mechanism#JDK}), and what only a native
 * mechanism can do (the process attributes, an explicit native mechanism) throws
 * {@link UnsupportedOperationException} at {@code start()}, naming the flag. See
 * {@linkplain dev.vfork4j##native-access the package documentation}.
 */
public final class Command {
    private final List<String> argv;
    /** null: this JVM's environment at the time of start. */
    private final Map<String, String> environment;
    private final Path directory;
    /** null: the verb's default. */
    private final Redirect stdin, stdout, stderr;
    /** null: {@link Mechanism#best()} at the time of start. */
    private final Mechanism mechanism;
    private final ChildAttributes attributes;
    private final IoOptions io;

    private Command(Builder b) {
        this.argv = b.argv;
        this.environment = b.environment;
        this.directory = b.directory;
        this.stdin = b.stdin;
        this.stdout = b.stdout;
        this.stderr = b.stderr;
        this.mechanism = b.mechanism;
        this.attributes = b.attributes;
        this.io = b.io;
    }

    /** A builder holding this Command's fields, for a copy with some changed. */
    private Builder edit() {
        return new Builder(this);
    }

    /** A copy with the process attributes of {@code changed}. */
    private Command with(ChildAttributes.Builder changed) {
        return edit().attributes(changed.build()).build();
    }

    /** A copy with the I/O options of {@code changed}. */
    private Command with(IoOptions.Builder changed) {
        return edit().io(changed.build()).build();
    }

    /**
     * The one place a Command is assembled: a new attribute is a field and a setter here and
     * the public method that sets it (its value held in {@link ChildAttributes} or
     * {@link IoOptions} when it is a process attribute or an I/O option, with their builders).
     */
    static final class Builder {
        private final List<String> argv;
        private Map<String, String> environment;
        private Path directory;
        private Redirect stdin, stdout, stderr;
        private Mechanism mechanism;
        private ChildAttributes attributes = ChildAttributes.NONE;
        private IoOptions io = IoOptions.NONE;

        /** Every attribute at its default; {@code argv} already checked and immutable. */
        Builder(List<String> argv) {
            this.argv = argv;
        }

        private Builder(Command c) {
            argv = c.argv;
            environment = c.environment;
            directory = c.directory;
            stdin = c.stdin;
            stdout = c.stdout;
            stderr = c.stderr;
            mechanism = c.mechanism;
            attributes = c.attributes;
            io = c.io;
        }

        Builder environment(Map<String, String> e) {
            environment = e;
            return this;
        }

        Builder directory(Path d) {
            directory = d;
            return this;
        }

        Builder stdin(Redirect r) {
            stdin = r;
            return this;
        }

        Builder stdout(Redirect r) {
            stdout = r;
            return this;
        }

        Builder stderr(Redirect r) {
            stderr = r;
            return this;
        }

        Builder mechanism(Mechanism m) {
            mechanism = m;
            return this;
        }

        Builder attributes(ChildAttributes a) {
            attributes = a;
            return this;
        }

        Builder io(IoOptions o) {
            io = o;
            return this;
        }

        Command build() {
            return new Command(this);
        }
    }

    // ---- creation ----

    /**
     * {@code program} with {@code args}, as {@link #of(List)} with the program first.
     *
     * @param program the program: a name looked up in the PATH, or a path with a '/'
     * @param args    its arguments, each passed as it is (no shell, no splitting, no globbing)
     * @return a Command with every attribute at its default
     * @throws NullPointerException     when {@code program}, {@code args} or an argument is null
     * @throws IllegalArgumentException when {@code program} is empty, or it or an argument
     *                                  contains a NUL byte
     */
    public static Command of(String program, String... args) {
        Objects.requireNonNull(args, "args");
        List<String> argv = new ArrayList<>(args.length + 1);
        argv.add(program);
        Collections.addAll(argv, args);
        return of(argv);
    }

    /**
     * The whole argv: the program first, then its arguments. The list is copied. The child's
     * {@code argv[0]} is the program as given here, not the path it was found at.
     *
     * @param argv the program, then its arguments
     * @return a Command with every attribute at its default
     * @throws NullPointerException     when {@code argv} or an element is null
     * @throws IllegalArgumentException when {@code argv} or the program name is empty, or an
     *                                  element contains a NUL byte
     */
    public static Command of(List<String> argv) {
        Objects.requireNonNull(argv, "argv");
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv must not be empty");
        }
        for (int i = 0; i < argv.size(); i++) {
            Objects.requireNonNull(argv.get(i), i == 0 ? "the program name" : "argument " + i);
        }
        List<String> copy = List.copyOf(argv);
        if (copy.getFirst().isEmpty()) {
            throw new IllegalArgumentException("the program name must not be empty");
        }
        for (int i = 0; i < copy.size(); i++) {
            checkNoNul(copy.get(i), i == 0 ? "the program name" : "argument " + i);
        }
        return new Builder(copy).build();
    }

    /**
     * The command, directory, environment and redirects of {@code pb}, redirectErrorStream
     * included. The builder's redirects are all explicit here, so its default of PIPE stays
     * PIPE even for {@link #run()}.
     *
     * <p>The result is a Command like any other, checked as {@link #of(List)} and
     * {@link #environment(Map)} check, which is stricter than {@link ProcessBuilder#start()}.
     * To start a builder exactly as {@code pb.start()} would, accepting and refusing the same
     * input with the same exceptions, use {@link Vfork4j#start(ProcessBuilder)}. With
     * {@code redirectErrorStream(true)} the Command merges stderr into stdout and keeps no trace
     * of a {@code redirectError} file, which pb.start() (and Vfork4j.start) would still create.
     *
     * @param pb the builder to copy; later changes to it do not affect the Command
     * @return a Command with pb's attributes
     * @throws NullPointerException     when pb or an element of its command is null
     * @throws IllegalArgumentException when the command is empty, the program name is empty, an
     *                                  argument, a redirect file or the directory contains a NUL
     *                                  byte, or a variable name is empty (the JDK accepts these)
     */
    public static Command from(ProcessBuilder pb) {
        Objects.requireNonNull(pb, "pb");
        Command c = of(pb.command());
        Map<String, String> env = new LinkedHashMap<>(pb.environment());
        File dir = pb.directory();
        return c.environment(env)
            .withDirectory(dir == null ? null : dir.toPath())
            .stdin(redirect(pb.redirectInput()))
            .stdout(redirect(pb.redirectOutput()))
            .stderr(pb.redirectErrorStream() ? Redirect.STDOUT : redirect(pb.redirectError()));
    }

    /**
     * {@code pb} with {@code argv} (its command, already checked as ProcessBuilder.start()
     * checks it: no null element, not empty, no NUL byte), and nothing else checked: an empty
     * program name or variable name passes through to the child as the JDK passes it.
     */
    static Command fromProcessBuilderUnchecked(List<String> argv, ProcessBuilder pb) {
        Map<String, String> env = Collections.unmodifiableMap(new LinkedHashMap<>(pb.environment()));
        File dir = pb.directory();
        return new Builder(List.copyOf(argv)).environment(env).directory(dir == null ? null : dir.toPath())
            .stdin(redirect(pb.redirectInput())).stdout(redirect(pb.redirectOutput()))
            .stderr(pb.redirectErrorStream() ? Redirect.STDOUT : redirect(pb.redirectError())).build();
    }

    private static Redirect redirect(ProcessBuilder.Redirect r) {
        return switch (r.type()) {
            case PIPE -> Redirect.PIPE;
            case INHERIT -> Redirect.INHERIT;
            case READ -> Redirect.from(r.file().toPath());
            case WRITE -> r == ProcessBuilder.Redirect.DISCARD ? Redirect.DISCARD : Redirect.to(r.file().toPath());
            case APPEND -> Redirect.appendTo(r.file().toPath());
        };
    }

    // ---- attributes ----

    /**
     * The working directory of the child. A relative path is resolved against this JVM's
     * working directory by the child's chdir, and a program path with '/' against the new
     * directory. A directory that does not exist fails the start with a {@link SpawnException}
     * at {@link SpawnException.Step#CHDIR}.
     *
     * @param directory the directory, or null for this JVM's working directory
     * @return a Command that starts its child there
     * @throws IllegalArgumentException when the directory's name contains a NUL byte
     */
    public Command directory(Path directory) {
        if (directory != null) {
            checkPath(directory, "the directory");
        }
        return withDirectory(directory);
    }

    private Command withDirectory(Path directory) {
        return edit().directory(directory).build();
    }

    /**
     * Replaces the whole environment: the child gets exactly {@code environment} (an empty
     * map: no variable at all). The map is copied; later changes to it do not affect the
     * Command.
     *
     * @param environment the variables, by name
     * @return a Command whose child gets exactly these variables
     * @throws NullPointerException     when the map, a name or a value is null
     * @throws IllegalArgumentException when a name is empty or contains '=', or a name or value
     *                                  contains a NUL byte
     */
    public Command environment(Map<String, String> environment) {
        Objects.requireNonNull(environment, "environment");
        Map<String, String> copy = new LinkedHashMap<>();
        environment.forEach((name, value) -> {
            checkVariable(name, value);
            copy.put(name, value);
        });
        return edit().environment(Collections.unmodifiableMap(copy)).build();
    }

    /**
     * Sets one variable, on top of the inherited or replaced environment. Edits a copy of
     * {@link #environment()}: when the environment was not replaced, this JVM's is copied
     * now.
     *
     * @param name  the variable's name
     * @param value its value; may be empty
     * @return a Command whose child gets this variable with this value
     * @throws NullPointerException     when {@code name} or {@code value} is null
     * @throws IllegalArgumentException when {@code name} is empty or contains '=', or either
     *                                  contains a NUL byte
     */
    public Command env(String name, String value) {
        checkVariable(name, value);
        Map<String, String> copy = new LinkedHashMap<>(environment());
        copy.put(name, value);
        return edit().environment(Collections.unmodifiableMap(copy)).build();
    }

    /**
     * Removes one variable, if present, from the inherited or replaced environment (a copy of
     * {@link #environment()}, as {@link #env} edits).
     *
     * @param name the variable's name
     * @return a Command whose child does not get this variable
     * @throws NullPointerException     when {@code name} is null
     * @throws IllegalArgumentException when {@code name} is empty, contains '=' or contains a
     *                                  NUL byte
     */
    public Command removeEnv(String name) {
        checkVariable(name, "");
        Map<String, String> copy = new LinkedHashMap<>(environment());
        copy.remove(name);
        return edit().environment(Collections.unmodifiableMap(copy)).build();
    }

    /**
     * Where stdin comes from: {@link Redirect#INHERIT}, {@link Redirect#PIPE},
     * {@link Redirect#DISCARD} or {@link Redirect#from(Path)}. Replaces a buffer or stream to
     * feed set with {@link #stdin(ByteBuffer)} or {@link #stdin(InputStream)}. Unset, stdin is
     * the verb's default (see the class comment).
     *
     * @param redirect where stdin comes from
     * @return a Command whose child reads stdin from there
     * @throws NullPointerException     when {@code redirect} is null
     * @throws IllegalArgumentException for {@link Redirect#STDOUT}, {@link Redirect#to(Path)}
     *                                  and {@link Redirect#appendTo(Path)}, which only write
     */
    public Command stdin(Redirect redirect) {
        Objects.requireNonNull(redirect, "redirect");
        if (redirect == Redirect.STDOUT || redirect instanceof Redirect.To || redirect instanceof Redirect.AppendTo) {
            throw new IllegalArgumentException("stdin cannot be redirected to " + redirect
                + ": use INHERIT, PIPE, DISCARD or Redirect.from(path)");
        }
        return edit().stdin(redirect).io(io.toBuilder().noInput().build()).build();
    }

    /**
     * Where stdout goes: {@link Redirect#INHERIT}, {@link Redirect#PIPE},
     * {@link Redirect#DISCARD}, {@link Redirect#to(Path)} or {@link Redirect#appendTo(Path)}.
     * Replaces a handler set with {@link #onStdout}. Unset, stdout is the verb's default (see
     * the class comment).
     *
     * @param redirect where stdout goes
     * @return a Command whose child writes stdout there
     * @throws NullPointerException     when {@code redirect} is null
     * @throws IllegalArgumentException for {@link Redirect#STDOUT} and
     *                                  {@link Redirect#from(Path)}
     */
    public Command stdout(Redirect redirect) {
        Objects.requireNonNull(redirect, "redirect");
        if (redirect == Redirect.STDOUT || redirect instanceof Redirect.From) {
            throw new IllegalArgumentException("stdout cannot be redirected to " + redirect
                + ": use INHERIT, PIPE, DISCARD, Redirect.to(path) or Redirect.appendTo(path)");
        }
        return edit().stdout(redirect).io(io.toBuilder().onStdout(null).build()).build();
    }

    /**
     * Where stderr goes: as for {@link #stdout(Redirect)}, or {@link Redirect#STDOUT} to
     * merge it into stdout, wherever that goes. Replaces a handler set with {@link #onStderr}.
     * Unset, stderr is the verb's default (see the class comment).
     *
     * @param redirect where stderr goes
     * @return a Command whose child writes stderr there
     * @throws NullPointerException     when {@code redirect} is null
     * @throws IllegalArgumentException for {@link Redirect#from(Path)}
     */
    public Command stderr(Redirect redirect) {
        Objects.requireNonNull(redirect, "redirect");
        if (redirect instanceof Redirect.From) {
            throw new IllegalArgumentException("stderr cannot be redirected to " + redirect
                + ": use INHERIT, PIPE, DISCARD, STDOUT, Redirect.to(path) or Redirect.appendTo(path)");
        }
        return edit().stderr(redirect).io(io.toBuilder().onStderr(null).build()).build();
    }

    /**
     * How the child is created; {@link Mechanism#best()} (asked at each start) unless set.
     * Whether the mechanism works here, and can set every attribute asked for, is checked at
     * the start, which throws {@link UnsupportedOperationException} when it cannot.
     *
     * @param mechanism the mechanism
     * @return a Command whose child is created with {@code mechanism}
     * @throws NullPointerException when {@code mechanism} is null
     */
    public Command mechanism(Mechanism mechanism) {
        Objects.requireNonNull(mechanism, "mechanism");
        return edit().mechanism(mechanism).build();
    }

    // ---- streaming I/O, limits and timeouts ----

    /**
     * Feeds {@code data}'s remaining bytes (position to limit, as they are when the child starts)
     * to the child's stdin, then closes it so the child sees end of file. The bytes are written
     * as fast as the child reads them, from another thread than the caller's (the event loop,
     * or a virtual thread for the JDK mechanism), without blocking any thread; a child that
     * stops reading early is not an error. The feeding stops when the child exits, as the JDK
     * closes a Process's stdin then. Replaces any stdin redirect;
     * {@link Child#getOutputStream()} is then a closed stream.
     *
     * <p>The buffer is not copied, so its memory must stay readable until the child has read
     * it: a direct buffer over a {@link java.lang.foreign.MemorySegment} of a confined
     * {@link java.lang.foreign.Arena} (only its owner thread may read it) or of a closed one is
     * refused here. Should a shared Arena be closed before the child has had every byte, the
     * child's stdin is closed and {@link #run()}/{@link #output()} throw an IOException whose
     * cause says so.
     *
     * @param data the bytes to feed; the caller's position and limit are not changed
     * @return a Command that feeds {@code data} to stdin
     * @throws IllegalArgumentException when {@code data}'s memory belongs to a closed Arena,
     *                                  or to a confined one
     */
    public Command stdin(ByteBuffer data) {
        Objects.requireNonNull(data, "data");
        checkReadableFromAnyThread(data);
        return edit().stdin(Redirect.PIPE).io(io.toBuilder().input(data.asReadOnlyBuffer()).build()).build();
    }

    private static void checkReadableFromAnyThread(ByteBuffer data) {
        MemorySegment memory = MemorySegment.ofBuffer(data); // heap buffers: the global scope, always readable
        if (!memory.scope().isAlive()) {
            throw new IllegalArgumentException("stdin's buffer cannot be read: the Arena that owns its memory is closed");
        }
        // A confined segment is readable by its owner thread only; any other thread stands for the one that feeds stdin.
        if (!memory.isAccessibleBy(Thread.ofVirtual().unstarted(() -> { }))) {
            throw new IllegalArgumentException("stdin's buffer belongs to a confined Arena, which only its owner thread may"
                + " read, and stdin is written from another thread: allocate it from a shared or automatic Arena, or copy"
                + " it into a heap buffer");
        }
    }

    /**
     * Copies {@code in} to the child's stdin on a virtual thread (reading an InputStream may
     * block, so the event loop never does it), then closes both. A stream can be read only
     * once: start such a Command once. Replaces any stdin redirect;
     * {@link Child#getOutputStream()} is then a closed stream.
     *
     * <p>When reading {@code in} throws, the child's stdin is closed (it sees end of file) and
     * {@link #run()}/{@link #output()} throw an IOException with that exception as the cause.
     * A child that stops reading early is not an error. When the child exits, the copy ends:
     * its thread is interrupted and the pipe closed, so a stream whose read never returns holds
     * up neither run()/output() nor a file descriptor (only that thread, until read returns).
     *
     * @param in the bytes to feed
     * @return a Command that feeds {@code in} to stdin
     */
    public Command stdin(InputStream in) {
        Objects.requireNonNull(in, "in");
        return edit().stdin(Redirect.PIPE).io(io.toBuilder().input(in).build()).build();
    }

    /**
     * Hands the child's stdout to {@code handler} as it arrives, in order, one call at a time
     * on a virtual thread. The buffer is read-only and valid only during the call. While the
     * handler runs, the pipe is not read: a slow handler slows the child (back-pressure)
     * instead of growing the heap. {@link #run()}, {@link #output()} and
     * {@link Child#waitFor()} return only after every byte has been handed over. The handler
     * may throw IOException, so a channel's write is a handler as it is:
     *
     * <pre>{@code
     * try (FileChannel log = FileChannel.open(path, CREATE, WRITE, APPEND)) {
     *     Command.of("tail", "-n", "5", "/etc/passwd").onStdout(log::write).run();
     * }
     * }</pre>
     *
     * An OutputStream {@code os} becomes one through {@code Channels.newChannel(os)::write}.
     * A handler that throws (an IOException or anything else) gets no more calls, the rest is
     * read and dropped (the child is not stalled), and run()/output() throw an IOException
     * with the handler's exception as the cause. Replaces any stdout redirect;
     * {@link Child#getInputStream()} is then an empty stream.
     *
     * @param handler receives each chunk of stdout
     * @return a Command whose stdout goes to {@code handler}
     */
    public Command onStdout(ChunkHandler handler) {
        Objects.requireNonNull(handler, "handler");
        return edit().stdout(Redirect.PIPE).io(io.toBuilder().onStdout(handler).build()).build();
    }

    /**
     * As {@link #onStdout}, for stderr; {@link Child#getErrorStream()} is then an empty stream.
     *
     * @param handler receives each chunk of stderr
     * @return a Command whose stderr goes to {@code handler}
     */
    public Command onStderr(ChunkHandler handler) {
        Objects.requireNonNull(handler, "handler");
        return edit().stderr(Redirect.PIPE).io(io.toBuilder().onStderr(handler).build()).build();
    }

    /**
     * What {@link #output()} keeps of stdout and of stderr, each: at most {@code bytes}. The
     * excess is read and dropped (the child is never stalled by the limit) and
     * {@link Output#truncated()} says so. Default: no limit. What {@link #onStdout} and
     * {@link #onStderr} handlers get is not limited.
     *
     * @param bytes how many bytes to keep of each stream; 0 keeps none
     * @return a Command whose {@link #output()} keeps at most that much of each stream
     * @throws IllegalArgumentException when {@code bytes} is negative
     */
    public Command maxOutput(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("maxOutput must be >= 0: " + bytes);
        }
        return with(io.toBuilder().maxOutput(bytes));
    }

    /**
     * Ends the child when it runs longer than {@code timeout}: SIGTERM, then SIGKILL after a
     * grace of {@link #DEFAULT_GRACE} (5 s) if it is still running. Sent to the whole process
     * group when this Command made one ({@link #newSession()} or {@code processGroup(0)}) and
     * it is provably still the child's (see {@link Child#killTree}), else to the child.
     * {@link #output()} and {@link #run()} then throw {@link ProcessTimeoutException} with what
     * was captured and the final status.
     *
     * <p>Any positive Duration is accepted: one longer than a century (such as
     * {@code Duration.ofMillis(Long.MAX_VALUE)}, the usual "no timeout") is never reached.
     *
     * <p>A child that exits on its own at the deadline is not a timeout: at the deadline the
     * child is first checked for having begun to exit (then it is left alone), and a child
     * whose status shows it exited with a code although the signal could only have killed it
     * (it neither caught, ignored nor blocked the signal) ended before the signal landed. One
     * case is left: a child that handles SIGTERM and begins to exit on its own in the moment
     * between that check and the SIGTERM is reported as timed out.
     *
     * @param timeout how long the child may run; positive
     * @return a Command with this timeout
     * @throws IllegalArgumentException when {@code timeout} is zero or negative
     */
    public Command timeout(Duration timeout) {
        return timeout(timeout, IoOptions.DEFAULT_GRACE);
    }

    /**
     * As {@link #timeout(Duration)}, with {@code grace} between SIGTERM and SIGKILL (zero:
     * SIGKILL at once; longer than a century: SIGTERM only, never SIGKILL).
     *
     * @param timeout how long the child may run; positive
     * @param grace   how long it may take to end after SIGTERM; zero or positive
     * @return a Command with this timeout and grace
     * @throws IllegalArgumentException when {@code timeout} is not positive or {@code grace} is negative
     */
    public Command timeout(Duration timeout, Duration grace) {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(grace, "grace");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative: " + grace);
        }
        return with(io.toBuilder().timeout(timeout, grace));
    }

    /** The grace between SIGTERM and SIGKILL of {@link #timeout(Duration)}: 5 seconds. */
    public static final Duration DEFAULT_GRACE = IoOptions.DEFAULT_GRACE;

    /**
     * How long, after the child has exited (or a timeout ended it), {@link #output()},
     * {@link #run()}, {@link Child#waitFor()} and the {@link #onStdout}/{@link #onStderr}
     * handlers wait at most for stdout and stderr to reach their end, before the pipes are
     * closed and the verb returns. Only a process that outlived the child can hold a pipe
     * open that long: a daemon or background job it started, which inherited the pipe. What
     * the pipe holds when the delay runs out is still read; what such a process writes later
     * is lost, and {@link Output#incomplete()} (also on the Output of a
     * {@link ProcessTimeoutException}) says the output may be incomplete. The process itself
     * is not signalled (see {@link #contained()} for that). Every mechanism behaves alike, but
     * for one blind spot of {@link Mechanism#JDK}: its own streams end at the exit, and whether
     * another process still held the pipe is known only if the child was still running when
     * vfork4j named the pipe in /proc, right after the start.
     *
     * <p>The Process streams of {@link #start()} ({@link Child#getInputStream()}…) do not wait
     * at all, as the JDK's do not: at the exit they keep what the pipe holds and then end.
     *
     * <p>Default: {@link #DEFAULT_WAIT_DELAY}, one second. Go's {@code Cmd.WaitDelay} waits for
     * ever by default, and so did this library before the option: a daemon holding stdout
     * then hangs {@code output()} until the daemon dies, the most-reported hang of process
     * handling on the JVM (JDK-4311711). A delay bounds that to a second, and costs nothing
     * where nobody outlives the child: the verb returns at the end of stream, which comes with
     * the exit. One second rather than less because output written before the exit is never
     * at risk (it sits in the pipe and is read), and what the delay is for is a descendant
     * still finishing its last write as the child exits, which on a loaded machine can take
     * more than a few milliseconds; rather than more, because a caller whose child starts a
     * daemon should not wait seconds for nothing. Give a Duration beyond a century (such as
     * {@code Duration.ofMillis(Long.MAX_VALUE)}) to wait for ever, as Go does.
     *
     * @param delay how long to wait for the pipes after the exit; zero or positive (zero:
     *              take what the pipes hold at the exit and close them)
     * @return a Command with this delay
     * @throws NullPointerException     when {@code delay} is null
     * @throws IllegalArgumentException when {@code delay} is negative
     */
    public Command waitDelay(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("waitDelay must not be negative: " + delay);
        }
        return with(io.toBuilder().waitDelay(delay));
    }

    /** The default of {@link #waitDelay(Duration)}: one second (the reasons are there). */
    public static final Duration DEFAULT_WAIT_DELAY = IoOptions.DEFAULT_WAIT_DELAY;

    // ---- process attributes (VFORK and FORK do all; POSIX_SPAWN the ones it says; JDK none) ----

    /**
     * The child starts a new session (setsid): it leads a new session and process group, with
     * no controlling terminal. {@link Child#killTree} and a {@link #timeout(Duration)} then
     * signal the whole group. POSIX_SPAWN can do this too.
     *
     * @return a Command whose child leads a new session
     * @throws IllegalArgumentException when {@link #processGroup(int)} was set: a session
     *                                  leader leads its own group already
     */
    public Command newSession() {
        if (attributes.processGroup() >= 0) {
            throw new IllegalArgumentException("newSession and processGroup cannot be combined: a session leader already leads its own group");
        }
        return with(attributes.toBuilder().newSession());
    }

    /**
     * The child joins process group {@code pgid}, or leads a new one of its own when
     * {@code pgid} is 0 (setpgid). A group of its own is what {@link Child#killTree} and a
     * {@link #timeout(Duration)} then signal. Joining a group that does not exist, or is in
     * another session, fails the start with a {@link SpawnException} at
     * {@link SpawnException.Step#PROCESS_GROUP}. POSIX_SPAWN can do this too.
     *
     * @param pgid the group to join, or 0 for a new group led by the child
     * @return a Command whose child is in that group
     * @throws IllegalArgumentException when {@code pgid} is negative, or {@link #newSession()}
     *                                  was set
     */
    public Command processGroup(int pgid) {
        if (pgid < 0) {
            throw new IllegalArgumentException("process group must be >= 0 (0: a group of its own): " + pgid);
        }
        if (attributes.newSession()) {
            throw new IllegalArgumentException("newSession and processGroup cannot be combined: a session leader already leads its own group");
        }
        return with(attributes.toBuilder().processGroup(pgid));
    }

    /**
     * The child receives {@code signal} when this JVM dies (PR_SET_PDEATHSIG). The kernel
     * sends it when the <em>thread</em> that created the child exits, so such children are
     * created from one long-lived thread of vfork4j's: a child started from a short-lived
     * thread outlives that thread. A JVM that dies between the clone and the child's
     * PR_SET_PDEATHSIG is caught too: the child sees that its parent changed and does not run
     * the program.
     *
     * @param signal the signal the child gets when this JVM dies
     * @return a Command whose child gets {@code signal} when this JVM dies
     * @throws NullPointerException when {@code signal} is null
     */
    public Command parentDeathSignal(Signal signal) {
        Objects.requireNonNull(signal, "signal");
        return with(attributes.toBuilder().parentDeathSignal(signal));
    }

    /**
     * The child's file mode creation mask (umask(2)); unset, the child inherits this JVM's.
     *
     * @param mask the mask, 0 to 0777 (write it in octal: {@code 022})
     * @return a Command whose child starts with this umask
     * @throws IllegalArgumentException when {@code mask} is outside 0 to 0777
     */
    public Command umask(int mask) {
        if (mask < 0 || mask > 0777) {
            throw new IllegalArgumentException("umask must be between 0 and 0777 (octal): 0" + Integer.toOctalString(mask));
        }
        return with(attributes.toBuilder().umask(mask));
    }

    /**
     * A resource limit for the child (prlimit). {@link Resource#UNLIMITED} means no limit.
     * Unset, a resource keeps this JVM's limit. Setting the same resource again replaces its
     * limit. A hard limit above this JVM's fails the start with a {@link SpawnException} at
     * {@link SpawnException.Step#RLIMIT} (EPERM) unless this JVM has CAP_SYS_RESOURCE.
     *
     * @param resource the resource to limit
     * @param soft     the limit the kernel enforces
     * @param hard     the ceiling the child may raise its soft limit to
     * @return a Command whose child starts with this limit
     * @throws NullPointerException     when {@code resource} is null
     * @throws IllegalArgumentException when a value is negative or {@code soft > hard}
     */
    public Command limit(Resource resource, long soft, long hard) {
        Objects.requireNonNull(resource, "resource");
        if (soft < 0 || hard < 0) {
            throw new IllegalArgumentException("limit " + resource + " must not be negative: soft=" + soft + ", hard=" + hard);
        }
        if (soft > hard) {
            throw new IllegalArgumentException("limit " + resource + ": soft " + soft + " is above hard " + hard);
        }
        return with(attributes.toBuilder().limit(resource, soft, hard));
    }

    /**
     * The child runs as {@code uid}:{@code gid} with exactly {@code groups} as its
     * supplementary groups, set in that order (setgroups, setresgid, setresuid) so privileges
     * are dropped last. Needs CAP_SETUID/CAP_SETGID: without them the start fails with a
     * {@link SpawnException} at {@link SpawnException.Step#CREDENTIALS} (EPERM).
     *
     * @param uid    the real, effective and saved user id
     * @param gid    the real, effective and saved group id
     * @param groups the supplementary groups; none for an empty list
     * @return a Command whose child runs as this user
     * @throws NullPointerException     when {@code groups} is null
     * @throws IllegalArgumentException when an id is negative
     */
    public Command user(int uid, int gid, int... groups) {
        Objects.requireNonNull(groups, "groups");
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException("uid and gid must be >= 0: uid=" + uid + ", gid=" + gid);
        }
        for (int g : groups) {
            if (g < 0) {
                throw new IllegalArgumentException("supplementary group ids must be >= 0: " + g);
            }
        }
        return with(attributes.toBuilder().credentials(new ChildAttributes.Credentials(uid, gid, groups.clone())));
    }

    /**
     * The child and its descendants can never gain privileges (PR_SET_NO_NEW_PRIVS): setuid
     * and setgid bits and file capabilities are ignored by exec.
     *
     * @return a Command whose child cannot gain privileges
     */
    public Command noNewPrivileges() {
        return with(attributes.toBuilder().noNewPrivileges());
    }

    /**
     * The child starts inside the cgroup v2 directory {@code cgroupDirectory}
     * (CLONE_INTO_CGROUP). The cgroup is the caller's and may hold other processes:
     * {@link Child#killTree} treats the child as any other (its group or its descendants),
     * and only {@link Child#signalCgroup} signals every process in the cgroup.
     *
     * <p>A directory that cannot be opened, or that the kernel will not start a child in
     * (not a cgroup v2 directory, a cgroup with child cgroups and controllers enabled…),
     * fails the start with a {@link SpawnException} at {@link SpawnException.Step#CGROUP}.
     * Needs VFORK or FORK (clone3's CLONE_INTO_CGROUP, Linux 5.7).
     *
     * @param cgroupDirectory a directory of the cgroup v2 hierarchy, such as
     *                        {@code /sys/fs/cgroup/my.slice/job}
     * @return a Command that starts its child there
     * @throws NullPointerException     when {@code cgroupDirectory} is null
     * @throws IllegalArgumentException when its name contains a NUL byte, or {@link #contained()} was set
     */
    public Command cgroup(Path cgroupDirectory) {
        Objects.requireNonNull(cgroupDirectory, "cgroupDirectory");
        checkPath(cgroupDirectory, "the cgroup directory");
        if (attributes.contained()) {
            throw new IllegalArgumentException("cgroup and contained cannot be combined: use contained(" + cgroupDirectory
                + ") to make the child's cgroup below it");
        }
        return with(attributes.toBuilder().cgroup(cgroupDirectory));
    }

    /**
     * The child gets a cgroup v2 of its own, made for it below this JVM's own cgroup (as
     * {@code /proc/self/cgroup} names it, on the cgroup2 mount of {@code /proc/self/mountinfo}),
     * and is cloned straight into it (CLONE_INTO_CGROUP), so nothing it starts can be outside it:
     * <ul>
     *   <li>{@link Child#killTree} and a {@link #timeout(Duration)} signal the whole cgroup, also
     *       after the child has exited: SIGKILL through {@code cgroup.kill}, which the kernel
     *       applies to every member at once, other signals to each member. Descendants that
     *       called setsid and double-forked die too.</li>
     *   <li>A timeout sends SIGTERM to every member and, after the grace, SIGKILL to whatever
     *       is left in the cgroup, even when the child itself ended meanwhile.</li>
     *   <li>{@link Child#cgroup()} is its directory; the cgroup is removed once the child has
     *       been reaped and nothing it left behind is alive ({@code cgroup.events} says
     *       {@code populated 0}; the event loop is told, nothing polls). Members that never
     *       end keep it; a JVM that exits first leaves it behind.</li>
     *   <li>{@link ExitStatus#usage()} holds the CPU time of the whole tree, from the cgroup's
     *       {@code cpu.stat}, as of the reap.</li>
     * </ul>
     * Needs VFORK or FORK: posix_spawn and ProcessBuilder cannot start a child inside a cgroup
     * (glibc's posix_spawnattr_setcgroup_np is too new to rely on), and moving the child in
     * after its start would let whatever it forked first escape, so POSIX_SPAWN and JDK refuse
     * with {@link UnsupportedOperationException} at {@code start()}. Where there is no cgroup v2
     * hierarchy, or this user cannot make a cgroup in the JVM's (no delegation), {@code start()}
     * throws {@link UnsupportedOperationException} saying what was checked, before any child
     * exists. Cannot be combined with {@link #cgroup(Path)}.
     *
     * @return a Command whose child is contained in a cgroup of its own
     * @throws IllegalArgumentException when {@link #cgroup(Path)} was set
     */
    public Command contained() {
        return containedIn(null);
    }

    /**
     * As {@link #contained()}, with the child's cgroup made below {@code parent} instead of this
     * JVM's cgroup: a cgroup delegated to this user, for instance.
     *
     * @param parent a cgroup v2 directory this user can make directories in
     * @return a Command whose child is contained in a cgroup of its own below {@code parent}
     * @throws NullPointerException     when {@code parent} is null
     * @throws IllegalArgumentException when its name contains a NUL byte, or {@link #cgroup(Path)} was set
     */
    public Command contained(Path parent) {
        Objects.requireNonNull(parent, "parent");
        checkPath(parent, "the parent cgroup directory");
        return containedIn(parent);
    }

    private Command containedIn(Path parent) {
        if (attributes.cgroup() != null) {
            throw new IllegalArgumentException("contained and cgroup cannot be combined: use contained(parent) to make the"
                + " child's cgroup below " + attributes.cgroup());
        }
        return with(attributes.toBuilder().contained(parent));
    }

    /**
     * Passes this JVM's fd {@code fdInParent} to the child as {@code fdInChild} (3 or more;
     * 0-2 are set with the redirects). Every other fd above 2 is closed in the child.
     * POSIX_SPAWN can do this too. {@code fdInParent} is taken as it is when the child starts:
     * one that is not open then fails the start with a {@link SpawnException} at
     * {@link SpawnException.Step#FDS} (EBADF). A {@code fdInChild} at or above this JVM's
     * RLIMIT_NOFILE soft limit fails the start too, with a SpawnException naming that limit.
     *
     * @param fdInParent the fd of this JVM to pass, such as a pipe's end or a socket's
     * @param fdInChild  the number the child gets it as
     * @return a Command whose child gets this fd
     * @throws IllegalArgumentException for a negative fd, a child fd below 3 or beyond the
     *                                  kernel's nr_open, or a child fd given twice
     */
    public Command keepFd(int fdInParent, int fdInChild) {
        if (fdInParent < 0) {
            throw new IllegalArgumentException("fd in parent must be >= 0: " + fdInParent);
        }
        if (fdInChild < 3) {
            throw new IllegalArgumentException("fd in child must be >= 3 (0-2 are set with stdin/stdout/stderr): " + fdInChild);
        }
        if (fdInChild >= dev.vfork4j.linux.Procfs.nrOpen()) {
            throw new IllegalArgumentException("fd in child must be below the kernel's nr_open ("
                + dev.vfork4j.linux.Procfs.nrOpen() + "): " + fdInChild);
        }
        if (attributes.keptFds().containsKey(fdInChild)) {
            throw new IllegalArgumentException("fd " + fdInChild + " in the child is already given fd "
                + attributes.keptFds().get(fdInChild) + " of the parent");
        }
        return with(attributes.toBuilder().keepFd(fdInParent, fdInChild));
    }

    /**
     * The signals blocked in the child when it starts (default: none, whatever the calling
     * thread blocks). exec keeps the mask, so the program starts with them blocked.
     * POSIX_SPAWN can do this too.
     *
     * @param blocked the signals to block; none for an empty mask
     * @return a Command whose child starts with exactly these signals blocked
     * @throws NullPointerException     when {@code blocked} or an element is null
     * @throws IllegalArgumentException for SIGKILL or SIGSTOP, which cannot be blocked
     */
    public Command signalMask(Signal... blocked) {
        Objects.requireNonNull(blocked, "blocked");
        java.util.Set<Signal> set = java.util.EnumSet.noneOf(Signal.class);
        for (Signal s : blocked) {
            set.add(Objects.requireNonNull(s, "signal"));
        }
        if (set.contains(Signal.SIGKILL) || set.contains(Signal.SIGSTOP)) {
            throw new IllegalArgumentException("SIGKILL and SIGSTOP cannot be blocked");
        }
        return with(attributes.toBuilder().signalMask(set));
    }

    // ---- reading ----

    /**
     * The program and its arguments.
     *
     * @return an unmodifiable list: the program first, then its arguments
     */
    public List<String> argv() {
        return argv;
    }

    /**
     * The environment the child will get: this JVM's, unless replaced or edited.
     *
     * @return an unmodifiable map of the variables, by name ({@link System#getenv()} when
     *         neither replaced nor edited)
     */
    public Map<String, String> environment() {
        return environment != null ? environment : System.getenv();
    }

    /**
     * The child's working directory, if set.
     *
     * @return the directory, or empty for this JVM's working directory
     */
    public Optional<Path> directory() {
        return Optional.ofNullable(directory);
    }

    /**
     * The stdin redirect, if set. {@link Redirect#PIPE} when a buffer or stream is fed with
     * {@link #stdin(ByteBuffer)} or {@link #stdin(InputStream)}.
     *
     * @return the redirect, or empty for the verb's default
     */
    public Optional<Redirect> stdin() {
        return Optional.ofNullable(stdin);
    }

    /**
     * The stdout redirect, if set. {@link Redirect#PIPE} when an {@link #onStdout} handler
     * reads it.
     *
     * @return the redirect, or empty for the verb's default
     */
    public Optional<Redirect> stdout() {
        return Optional.ofNullable(stdout);
    }

    /**
     * The stderr redirect, if set. {@link Redirect#PIPE} when an {@link #onStderr} handler
     * reads it.
     *
     * @return the redirect, or empty for the verb's default
     */
    public Optional<Redirect> stderr() {
        return Optional.ofNullable(stderr);
    }

    /**
     * The mechanism that will create the child.
     *
     * @return the mechanism set with {@link #mechanism(Mechanism)}, else {@link Mechanism#best()}
     *         as it answers now
     */
    public Mechanism mechanism() {
        return mechanism != null ? mechanism : Mechanism.best();
    }

    /** True when {@link #mechanism(Mechanism)} chose the mechanism; false when it is {@link Mechanism#best()}'s. */
    boolean mechanismChosen() {
        return mechanism != null;
    }

    // ---- verbs ----

    /**
     * Starts the child and returns at once. Streams not redirected are pipes, read and written
     * through the returned {@link Child}: read what the child writes (or redirect it), as with
     * ProcessBuilder, or a child that fills a pipe blocks. A buffer or stream set with
     * {@code stdin(…)} is fed, and {@code onStdout}/{@code onStderr} handlers get the output,
     * as under the other verbs; a {@link #timeout(Duration)} ends the child, and
     * {@link Child#waitFor()} then returns its status.
     *
     * @return the started child
     * @throws SpawnException when the child could not be started (no child is left behind)
     * @throws IOException    for other I/O failures
     * @throws UnsupportedOperationException when the mechanism is not available here, or
     *                                       cannot set an attribute this Command asks for
     *                                       (the message says which, and names the flag to
     *                                       pass when native access is what is missing)
     */
    public Child start() throws IOException {
        return ChildStart.start(this, orElse(stdin, Redirect.PIPE), orElse(stdout, Redirect.PIPE),
            orElse(stderr, Redirect.PIPE), ChildIo.Verb.START);
    }

    /**
     * Runs the child to its end and returns how it ended. Streams not redirected are
     * inherited from this JVM. A stream explicitly set to PIPE is not left to fill up: stdin
     * is closed at once (the child reads end of file) and stdout and stderr are read and
     * discarded. Returns after the handlers of {@link #onStdout}/{@link #onStderr} have had
     * every byte.
     *
     * @return how the child ended
     * @throws SpawnException           when the child could not be started
     * @throws ProcessTimeoutException  when the {@link #timeout(Duration) timeout} expired (the
     *                                  child was ended; the exception holds its status)
     * @throws IOException              when an onStdout/onStderr handler threw, or reading the
     *                                  stdin InputStream or buffer failed (the exception is the cause)
     * @throws InterruptedException     when this thread is interrupted while waiting; the child
     *                                  is then killed (SIGKILL) and reaped first
     * @throws UnsupportedOperationException when the mechanism is not available here, or
     *                                       cannot set an attribute this Command asks for
     *                                       (the message says which, and names the flag to
     *                                       pass when native access is what is missing)
     */
    public ExitStatus run() throws IOException, InterruptedException {
        Child child = ChildStart.start(this, orElse(stdin, Redirect.INHERIT), orElse(stdout, Redirect.INHERIT),
            orElse(stderr, Redirect.INHERIT), ChildIo.Verb.RUN);
        return ChildStart.await(child, this);
    }

    /**
     * Runs the child to its end, capturing stdout and stderr (both read at once, so neither
     * can fill up and stall the child). stdin is {@code /dev/null} unless redirected; a stream
     * redirected elsewhere is not captured and comes back empty. With {@code stderr(STDOUT)}
     * both go to {@link Output#stdout()}. Output is kept in memory in full, unless
     * {@link #maxOutput(long)} limits it.
     *
     * @return how the child ended and what it wrote to stdout and stderr
     * @throws SpawnException           when the child could not be started
     * @throws ProcessTimeoutException  when the {@link #timeout(Duration) timeout} expired (it
     *                                  holds what was captured and the final status)
     * @throws IOException              when an onStdout/onStderr handler threw, or reading the
     *                                  stdin InputStream or buffer failed (the exception is the cause)
     * @throws InterruptedException when this thread is interrupted while waiting; the child is
     *                              then killed (SIGKILL) and reaped first
     * @throws UnsupportedOperationException when the mechanism is not available here, or
     *                                       cannot set an attribute this Command asks for
     *                                       (the message says which, and names the flag to
     *                                       pass when native access is what is missing)
     */
    public Output output() throws IOException, InterruptedException {
        Child child = ChildStart.start(this, orElse(stdin, Redirect.DISCARD), orElse(stdout, Redirect.PIPE),
            orElse(stderr, Redirect.PIPE), ChildIo.Verb.OUTPUT);
        return ChildStart.collect(child, this);
    }

    /**
     * As {@link #output()}, without blocking: the future completes (on a pool thread) when the
     * child has exited and both streams are read, or fails with the IOException output() would
     * throw. Cancelling the future kills the child (SIGKILL).
     *
     * @return a future of what {@link #output()} returns. Nothing is thrown from this method:
     *         a child that cannot be started (a {@link SpawnException}, an
     *         {@link UnsupportedOperationException}…) or a {@link ProcessTimeoutException} fails
     *         the future with that exception.
     */
    public CompletableFuture<Output> outputAsync() {
        Child child;
        try {
            child = ChildStart.start(this, orElse(stdin, Redirect.DISCARD), orElse(stdout, Redirect.PIPE),
                orElse(stderr, Redirect.PIPE), ChildIo.Verb.OUTPUT);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return ChildStart.collectAsync(child, this);
    }

    private static Redirect orElse(Redirect r, Redirect fallback) {
        return r != null ? r : fallback;
    }

    Path directoryOrNull() {
        return directory;
    }

    ChildAttributes attributes() {
        return attributes;
    }

    IoOptions io() {
        return io;
    }

    // ---- validation ----

    private static void checkNoNul(String s, String what) {
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " must not contain a NUL byte: "
                + s.replace("\0", "\\0"));
        }
    }

    private static void checkVariable(String name, String value) {
        Objects.requireNonNull(name, "variable name");
        Objects.requireNonNull(value, "value of " + name);
        if (name.isEmpty()) {
            throw new IllegalArgumentException("an environment variable name must not be empty");
        }
        if (name.indexOf('=') >= 0) {
            throw new IllegalArgumentException("environment variable name must not contain '=': " + name);
        }
        checkNoNul(name, "environment variable name");
        checkNoNul(value, "the value of environment variable " + name);
    }

    static void checkPath(Path path, String what) {
        checkNoNul(path.toString(), what);
    }

    @Override
    public String toString() {
        return "Command" + argv + (directory != null ? " in " + directory : "")
            + (mechanism != null ? " via " + mechanism : "");
    }
}
