package dev.vfork4j;

import java.nio.file.Path;

/**
 * How one verb handles a child's streams, resolved from the Command: the redirects with the
 * verb's defaults filled in, and whether output is streamed (start), dropped (run) or kept
 * (output).
 *
 * @param groupLeader the child leads its own process group (newSession or processGroup(0)),
 *                    so timeouts and killTree signal the group
 * @param cgroup      the cgroup the child was placed in, or null
 */
record ChildIo(Verb verb, Redirect stdin, Redirect stdout, Redirect stderr, IoOptions options,
               boolean groupLeader, Path cgroup, String program) {

    enum Verb { START, RUN, OUTPUT }
}
