package dev.vfork4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * The versions {@code --version} and {@code doctor} print: the CLI's from a resource Maven
 * filters at build time (so it is right in tests too, where there is no jar manifest), and
 * the library's from the pom.properties Maven puts in its jar, since the two can differ when
 * the CLI runs against another build of the library.
 */
final class Version implements IVersionProvider {

    static final String UNKNOWN = "unknown";

    @Override
    public String[] getVersion() {
        return new String[] {
            "vfork4j " + cli() + " (library " + library() + ")",
            "Java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor") + " "
                + System.getProperty("java.vm.name") + ")",
            System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"),
        };
    }

    /** This CLI's version. */
    static String cli() {
        return property(Version.class, "/dev/vfork4j/cli/version.properties");
    }

    /** The version of the vfork4j library on the class path. */
    static String library() {
        return property(dev.vfork4j.Command.class, "/META-INF/maven/dev.vfork4j/vfork4j/pom.properties");
    }

    private static String property(Class<?> anchor, String resource) {
        try (InputStream in = anchor.getResourceAsStream(resource)) {
            if (in == null) {
                return UNKNOWN;
            }
            Properties p = new Properties();
            p.load(in);
            String version = p.getProperty("version", UNKNOWN);
            // An unfiltered resource (an IDE build that skipped Maven) still holds the placeholder.
            return version.startsWith("${") ? UNKNOWN : version;
        } catch (IOException e) {
            return UNKNOWN;
        }
    }
}
