package dev.vfork4j.spawn.asm;

/** A position in emitted code, bound once; branches may name it before it is bound. */
public final class Label {
    final String name;
    int index = -1; // position in the instruction list once bound

    Label(String name) {
        this.name = name;
    }

    @Override
    public String toString() {
        return name;
    }
}
