package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.MemberRefEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layers of core, as each package-info states them, read from the compiled classes (every
 * class the bytecode names: in instructions, field and method types, generic signatures), so a
 * fully qualified name in the code counts as much as an import:
 *
 * <ul>
 *   <li>{@code linux} (the bindings and Posix) uses no other package of vfork4j;</li>
 *   <li>{@code loop} (the event loop, pidfds, pipes) uses {@code linux} only;</li>
 *   <li>{@code spawn} and below (launchers, plans, the child routine) use {@code linux} and, of
 *       the API, only the value types a request is made of (Redirect, Resource, Signal,
 *       SpawnException);</li>
 *   <li>the API (the root package) never calls {@code LibC}: it goes through Posix;</li>
 *   <li>only {@code Posix} turns an errno into an {@code ErrnoException}.</li>
 * </ul>
 */
class LayeringTest {
    private static final String ROOT = "dev/vfork4j/";
    private static final Pattern NAMED = Pattern.compile("dev/vfork4j/[A-Za-z0-9_/$]+");
    /** What spawn may use of the API: the values a SpawnRequest is made of and the exception it throws. */
    private static final Set<String> API_VALUES = Set.of("Redirect", "Resource", "Signal", "SpawnException");

    /** Each class of core (internal name) → the vfork4j classes it names. */
    private static final Map<String, Set<String>> USES = new TreeMap<>();
    /** The classes that call ErrnoException's constructor. */
    private static final Set<String> MAKE_ERRNO_EXCEPTIONS = new TreeSet<>();

    @BeforeAll
    static void readClasses() throws IOException, URISyntaxException {
        Path classes = Path.of(Command.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(classes).as("core's classes, as a directory").isDirectory();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(classes)) {
            files = walk.filter(p -> p.toString().endsWith(".class") && !p.endsWith("module-info.class")).toList();
        }
        for (Path file : files) {
            ClassModel model = ClassFile.of().parse(file);
            String name = model.thisClass().asInternalName();
            Set<String> used = new TreeSet<>();
            for (PoolEntry e : model.constantPool()) {
                if (e instanceof Utf8Entry u) {
                    Matcher m = NAMED.matcher(u.stringValue());
                    while (m.find()) {
                        used.add(m.group());
                    }
                }
                if (e instanceof MemberRefEntry ref && ref.owner().asInternalName().equals(ROOT + "linux/ErrnoException")
                    && ref.name().equalsString("<init>")) {
                    MAKE_ERRNO_EXCEPTIONS.add(name);
                }
            }
            used.remove(name);
            USES.put(name, used);
        }
        assertThat(USES).as("classes read").containsKeys(ROOT + "Command", ROOT + "linux/Posix", ROOT + "loop/EventLoop",
            ROOT + "spawn/CloneLauncher");
    }

    @Test
    void linuxUsesNoOtherPackage() {
        assertThat(violations("linux/", used -> used.startsWith(ROOT + "linux/"))).isEmpty();
    }

    @Test
    void theLoopUsesLinuxOnly() {
        assertThat(violations("loop/", used -> used.startsWith(ROOT + "linux/") || used.startsWith(ROOT + "loop/")))
            .isEmpty();
    }

    @Test
    void spawnUsesLinuxAndTheRequestsValuesOnly() {
        assertThat(violations("spawn/", used -> used.startsWith(ROOT + "linux/") || used.startsWith(ROOT + "spawn/")
            || API_VALUES.contains(topLevel(used.substring(ROOT.length()))))).isEmpty();
    }

    @Test
    void theApiNeverCallsLibC() {
        List<String> found = new ArrayList<>();
        USES.forEach((cls, used) -> {
            if (isRootPackage(cls) && used.stream().anyMatch(u -> u.startsWith(ROOT + "linux/LibC"))) {
                found.add(cls);
            }
        });
        assertThat(found).isEmpty();
    }

    @Test
    void onlyPosixMakesErrnoExceptions() {
        assertThat(MAKE_ERRNO_EXCEPTIONS).containsOnly(ROOT + "linux/Posix");
    }

    @Test
    void everyPackageSaysWhatItMayUse() {
        Set<String> packages = new TreeSet<>();
        for (String cls : USES.keySet()) {
            packages.add(cls.substring(0, cls.lastIndexOf('/')));
        }
        for (String p : packages) {
            assertThat(Path.of("src/main/java", p, "package-info.java")).as(p + " has a package-info").isRegularFile();
        }
    }

    /** The classes of {@code pkg} (and below it) that name a vfork4j class {@code allowed} refuses. */
    private static List<String> violations(String pkg, java.util.function.Predicate<String> allowed) {
        List<String> found = new ArrayList<>();
        USES.forEach((cls, used) -> {
            if (cls.startsWith(ROOT + pkg)) {
                for (String u : used) {
                    if (!allowed.test(u)) {
                        found.add(cls + " -> " + u);
                    }
                }
            }
        });
        return found;
    }

    private static boolean isRootPackage(String cls) {
        return cls.startsWith(ROOT) && cls.indexOf('/', ROOT.length()) < 0;
    }

    /** {@code SpawnException$Step} → {@code SpawnException}. */
    private static String topLevel(String name) {
        int dollar = name.indexOf('$');
        return dollar < 0 ? name : name.substring(0, dollar);
    }
}
