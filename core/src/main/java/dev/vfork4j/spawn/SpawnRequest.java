package dev.vfork4j.spawn;

import dev.vfork4j.Redirect;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A Command resolved for one start: the verb's default redirects filled in, the environment
 * made explicit. Already validated; launchers only lay it out.
 *
 * @param directory the working directory, or null to keep this JVM's
 * @param fdSources  for each of stdin, stdout, stderr: an fd of this JVM to give the child
 *                   instead of its redirect (a pipeline's pipes), or -1
 */
public record SpawnRequest(List<String> argv, Map<String, String> environment, Path directory,
                           Redirect stdin, Redirect stdout, Redirect stderr, ChildAttributes attributes,
                           int[] fdSources) {

    /** No fd given for any standard stream: the redirects decide. */
    public static final int[] NO_FDS = {-1, -1, -1};

    /** This JVM's fd that stream {@code target} is given (a pipeline's pipe), or -1. The caller keeps ownership. */
    public int fdSource(int target) {
        return fdSources[target];
    }

    public String program() {
        return argv.getFirst();
    }
}
