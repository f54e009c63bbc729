package dev.vfork4j.spawn;

import dev.vfork4j.SpawnException;
import dev.vfork4j.linux.Errno;
import dev.vfork4j.linux.NativeAccess;

/** Builds the SpawnException for an errno at a step, with glibc's name and description. */
public final class Failures {
    private Failures() {}

    static SpawnException spawnException(SpawnRequest r, SpawnException.Step step, int errno, String detail) {
        return spawnException(r.program(), r.directory(), step, errno, detail);
    }

    public static SpawnException spawnException(String program, java.nio.file.Path directory,
                                                SpawnException.Step step, int errno, String detail) {
        String name = NativeAccess.available() ? Errno.name(errno) : "errno " + errno;
        String description = NativeAccess.available() ? Errno.description(errno) : "error " + errno;
        return new SpawnException(program, directory, step, errno, name, description, detail);
    }
}
