package dev.vfork4j.conformance;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The registry the case classes add to, in order; names are unique. */
final class Cases {

    private final Map<String, Case> cases = new LinkedHashMap<>();
    final Path scratch;

    Cases(Path scratch) {
        this.scratch = scratch;
    }

    void add(String name, Case body) {
        if (cases.putIfAbsent(name, body) != null) {
            throw new IllegalArgumentException("two cases named " + name);
        }
    }

    Map<String, Case> all() {
        return cases;
    }

    /** Every case of the suite. */
    static Cases suite(Path scratch) {
        Cases c = new Cases(scratch);
        ExitCases.register(c);
        ProgramCases.register(c);
        RedirectCases.register(c);
        EnvironmentCases.register(c);
        StreamCases.register(c);
        LifecycleCases.register(c);
        HandleCases.register(c);
        RuntimeExecCases.register(c);
        PipelineCases.register(c);
        ConcurrencyCases.register(c);
        LoggingCases.register(c);
        return c;
    }
}
