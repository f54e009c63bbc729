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
 */
public record SpawnRequest(List<String> argv, Map<String, String> environment, Path directory,
                           Redirect stdin, Redirect stdout, Redirect stderr, ChildAttributes attributes) {

    public String program() {
        return argv.getFirst();
    }
}
