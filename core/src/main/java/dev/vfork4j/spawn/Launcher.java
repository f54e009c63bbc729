package dev.vfork4j.spawn;

import dev.vfork4j.SpawnException;

/** Creates a child from a resolved request. One implementation per native mechanism. */
public interface Launcher {
    Spawned spawn(SpawnRequest request) throws SpawnException;
}
