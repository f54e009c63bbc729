package dev.vfork4j.conformance;

/** One conformance case: it does something with processes and records what it observed. */
@FunctionalInterface
interface Case {
    void run(Transcript t) throws Exception;
}
