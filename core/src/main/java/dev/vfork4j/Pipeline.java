package dev.vfork4j;

import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * Commands connected stdout to stdin, as a shell's {@code a | b | c}, without a shell: each
 * stage's stdout is a pipe to the next stage's stdin. Every stage needs a native mechanism
 * (VFORK, FORK or POSIX_SPAWN): the pipes between the stages are this JVM's file descriptors,
 * which {@link ProcessBuilder} cannot hand to a child. A stage that would be started with
 * {@link Mechanism#JDK}, because its Command asks for it or because no native mechanism works
 * here (in a JVM that refuses {@linkplain dev.vfork4j##native-access native access}), makes
 * {@link #start()} and {@link #output()} throw an {@link UnsupportedOperationException}
 * before any pipe is made or any stage started.
 *
 * <pre>{@code
 * Output out = Pipeline.of(Command.of("ps", "-e"), Command.of("grep", "java"), Command.of("wc", "-l")).output();
 * }</pre>
 */
public final class Pipeline {
    private final List<Command> stages;

    private Pipeline(List<Command> stages) {
        this.stages = stages;
    }

    /**
     * A pipeline of {@code stages}, each stage's stdout piped to the next stage's stdin.
     *
     * @param stages the stages in order; at least one
     * @return the pipeline, checked as {@link #of(List)} checks it
     * @throws NullPointerException     when {@code stages} or a stage is null
     * @throws IllegalArgumentException as {@link #of(List)}
     */
    public static Pipeline of(Command... stages) {
        return of(List.of(stages));
    }

    /**
     * A pipeline of {@code stages}, each stage's stdout piped to the next stage's stdin. The
     * list is copied. Only the first stage may have a stdin of its own (a redirect or fed
     * bytes) and only the last a stdout of its own (a redirect or an onStdout handler); every
     * stage's stderr is its own.
     *
     * @param stages the stages in order; at least one
     * @return the pipeline
     * @throws NullPointerException     when {@code stages} or a stage is null
     * @throws IllegalArgumentException when {@code stages} is empty, a stage after the first
     *                                  sets stdin, or a stage before the last sets stdout
     */
    public static Pipeline of(List<Command> stages) {
        Objects.requireNonNull(stages, "stages");
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("a pipeline needs at least one command");
        }
        List<Command> copy = List.copyOf(stages);
        for (int i = 0; i < copy.size(); i++) {
            Command c = copy.get(i);
            if (i > 0 && (c.stdin().isPresent() || c.io().hasInput())) {
                throw new IllegalArgumentException("stage " + i + " (" + c.argv().getFirst()
                    + ") reads the previous stage's stdout: it cannot have a stdin of its own");
            }
            if (i < copy.size() - 1 && (c.stdout().isPresent() || c.io().onStdout() != null)) {
                throw new IllegalArgumentException("stage " + i + " (" + c.argv().getFirst()
                    + ") writes to the next stage: it cannot have a stdout of its own");
            }
        }
        return new Pipeline(copy);
    }

    /**
     * The stages, in order.
     *
     * @return an unmodifiable list of at least one Command
     */
    public List<Command> stages() {
        return stages;
    }

    /**
     * Starts every stage and returns at once. The first stage's stdin, the last stage's stdout
     * and every stage's stderr are as each Command says, piped to this JVM by default (as
     * {@link Command#start()}). If a stage cannot be started, the stages already started are
     * killed and the SpawnException is thrown.
     *
     * @return the started stages, in order, one Child each
     * @throws SpawnException                when a stage could not be started (the stages
     *                                       started before it are killed and reaped first)
     * @throws IOException                   for another I/O failure, such as a pipe that could
     *                                       not be made
     * @throws UnsupportedOperationException when a stage would be started with the JDK
     *                                       mechanism (see the class comment), or a stage's
     *                                       mechanism is not available here or cannot set one
     *                                       of its attributes
     */
    public List<Child> start() throws IOException {
        requireNativeStages();
        return PipelineStart.startAll(stages, ChildIo.Verb.START, -1);
    }

    /**
     * Runs the pipeline to its end: the first stage reads /dev/null unless its Command says
     * otherwise; the last stage's stdout is captured, and every stage's stderr too, into one
     * stream, interleaved as written. The status is that of the rightmost stage that did not
     * succeed, else success (as bash's pipefail).
     *
     * @return the pipeline's status, the last stage's stdout and every stage's stderr
     * @throws IOException          when a stage could not be started, or when feeding the first
     *                              stage's stdin or a handler of any stage failed (the exception
     *                              is the cause)
     * @throws InterruptedException when this thread is interrupted while waiting; every stage
     *                              is then killed (SIGKILL) and reaped first
     * @throws UnsupportedOperationException when a stage would be started with the JDK
     *                                       mechanism (see the class comment), or a stage's
     *                                       mechanism is not available here or cannot set one
     *                                       of its attributes
     */
    public Output output() throws IOException, InterruptedException {
        requireNativeStages();
        return PipelineStart.output(stages);
    }

    /**
     * The pipes between the stages are this JVM's fds, which only a native mechanism can give a
     * child: refuse before any pipe is made (under --illegal-native-access=deny every stage
     * would use JDK, and the reason names the flag).
     */
    private void requireNativeStages() {
        for (int i = 0; i < stages.size(); i++) {
            Command c = stages.get(i);
            if (c.mechanism() == Mechanism.JDK) {
                throw new UnsupportedOperationException("a pipeline needs VFORK, FORK or POSIX_SPAWN for every stage; stage "
                    + i + " (" + c.argv().getFirst() + ") would be started with JDK"
                    + Mechanism.POSIX_SPAWN.unavailableReason().map(why -> ", as no native mechanism works here: " + why)
                        .orElse(""));
            }
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Pipeline[");
        for (int i = 0; i < stages.size(); i++) {
            sb.append(i == 0 ? "" : " | ").append(String.join(" ", stages.get(i).argv()));
        }
        return sb.append(']').toString();
    }
}
