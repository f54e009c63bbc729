package dev.vfork4j.spawn;

import java.util.ArrayList;
import java.util.List;

/**
 * The paths execvp would try for a program: the program itself when it contains '/', else
 * each directory of this JVM's PATH in order (an empty entry is the working directory), or
 * glibc's default "/bin:/usr/bin" when PATH is unset.
 */
final class ExecCandidates {
    private ExecCandidates() {}

    static List<String> of(String program) {
        return of(program, System.getenv("PATH"));
    }

    static List<String> of(String program, String path) {
        if (program.isEmpty() || program.contains("/")) {
            return List.of(program); // "" fails with ENOENT, as execvp("") does (not EACCES from "/usr/bin/")
        }
        List<String> candidates = new ArrayList<>();
        for (String dir : (path == null ? "/bin:/usr/bin" : path).split(":", -1)) {
            candidates.add(dir.isEmpty() ? program : dir + (dir.endsWith("/") ? "" : "/") + program);
        }
        return candidates;
    }
}
