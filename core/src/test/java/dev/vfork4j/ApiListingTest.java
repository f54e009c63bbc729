package dev.vfork4j;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ApiListing} on a small package compiled here, as it is and with one change at a time:
 * a change to anything public shows in the listing and in its diff, a change to what the package
 * keeps to itself does not.
 */
class ApiListingTest {

    /** The fixture package: one of each thing the listing has to render. */
    private static final Map<String, String> FIXTURE = Map.of(
        "Shape.java", """
            package fixture;
            public sealed interface Shape permits Shape.Circle, Shape.Square, Hidden {
                record Circle(double radius) implements Shape {}
                record Square(double side) implements Shape {
                    public Square { if (side < 0) throw new IllegalArgumentException(); }
                }
                static Shape unit() { return new Circle(1); }
                default double area() { return 0; }
            }
            """,
        "Hidden.java", """
            package fixture;
            final class Hidden implements Shape {
                public void notApi() {}
            }
            """,
        "Colour.java", """
            package fixture;
            public enum Colour {
                RED, GREEN { @Override public String toString() { return "green"; } }, BLUE;
                public static final int COUNT = 3;
            }
            """,
        "Base.java", """
            package fixture;
            import java.io.IOException;
            import java.util.List;
            import java.util.function.Function;
            public abstract class Base<T extends Comparable<T>> extends Hub implements Runnable {
                protected int size;
                int packageOnly;
                protected Base() {}
                Base(int size) { this.size = size; }
                public abstract <R> List<? super T> map(Function<T, R> f, T... seeds) throws IOException;
                @Deprecated(forRemoval = true)
                public void old() {}
                @Override
                public void run() {}
                private void secret() {}
                void packageMethod() {}
                public static class Nested {}
                protected interface Callback { void call(); }
                static class PackageNested { public void notApi() {} }
            }
            """,
        "Hub.java", """
            package fixture;
            abstract class Hub {
                public final String hubName() { return "hub"; }
                void notApi() {}
            }
            """);

    private static final String LISTING = """
        public abstract class fixture.Base<T extends java.lang.Comparable<T>> implements java.lang.Runnable
          protected int size
          protected Base()
          public final java.lang.String hubName()
          public abstract <R> java.util.List<? super T> map(java.util.function.Function<T, R>, T...) throws java.io.IOException
          @Deprecated(forRemoval=true) public void old()
          public void run()

        protected static interface fixture.Base$Callback
          public abstract void call()

        public static class fixture.Base$Nested
          public Nested()

        public enum fixture.Colour
          enum constant RED
          enum constant GREEN
          enum constant BLUE
          public static final int COUNT
          public static fixture.Colour valueOf(java.lang.String)
          public static fixture.Colour[] values()

        public sealed interface fixture.Shape permits fixture.Shape$Circle, fixture.Shape$Square
          public default double area()
          public static fixture.Shape unit()

        public static final record fixture.Shape$Circle(double radius) implements fixture.Shape
          public Circle(double)
          public final boolean equals(java.lang.Object)
          public final int hashCode()
          public double radius()
          public final java.lang.String toString()

        public static final record fixture.Shape$Square(double side) implements fixture.Shape
          public Square(double)
          public final boolean equals(java.lang.Object)
          public final int hashCode()
          public double side()
          public final java.lang.String toString()
        """;

    @TempDir
    Path dir;

    @Test
    void rendersEveryKindOfDeclaration() throws Exception {
        assertThat(listing(FIXTURE)).isEqualTo(LISTING);
    }

    @Test
    void anAddedMethodShows() throws Exception {
        String after = listing(change("Shape.java", "static Shape unit()",
            "default Shape scaled(double by) { return this; }\n    static Shape unit()"));
        assertThat(ApiListing.diff(LISTING, after)).isEqualTo("""
              public sealed interface fixture.Shape permits fixture.Shape$Circle, fixture.Shape$Square
            +   public default fixture.Shape scaled(double)
            """);
    }

    @Test
    void aChangedSignatureShows() throws Exception {
        // varargs become an array, and the return type's wildcard goes
        String after = listing(change("Base.java", "public abstract <R> List<? super T> map(Function<T, R> f, T... seeds)",
            "public abstract <R> List<T> map(Function<T, R> f, T[] seeds)"));
        assertThat(ApiListing.diff(LISTING, after)).isEqualTo("""
              public abstract class fixture.Base<T extends java.lang.Comparable<T>> implements java.lang.Runnable
            -   public abstract <R> java.util.List<? super T> map(java.util.function.Function<T, R>, T...) throws java.io.IOException
            +   public abstract <R> java.util.List<T> map(java.util.function.Function<T, R>, T[]) throws java.io.IOException
            """);
    }

    @Test
    void changedModifiersTypeParametersPermitsComponentsAndConstantsShow() throws Exception {
        assertThat(listing(change("Base.java", "public void old()", "public final void old()"))).isNotEqualTo(LISTING);
        assertThat(listing(change("Base.java", "<T extends Comparable<T>>", "<T>"))).isNotEqualTo(LISTING);
        assertThat(listing(change("Base.java", "protected int size;", "public int size;"))).isNotEqualTo(LISTING);
        assertThat(listing(change("Base.java", "@Deprecated(forRemoval = true)", "@Deprecated"))).isNotEqualTo(LISTING);
        assertThat(listing(change("Colour.java", "RED, GREEN", "GREEN, RED"))).as("enum order is ordinal()")
            .isNotEqualTo(LISTING);
        assertThat(listing(change("Shape.java", "record Square(double side)", "record Square(double side, double angle)",
            "(side < 0)", "(side < 0 || angle < 0)"))).isNotEqualTo(LISTING);
        assertThat(listing(change("Shape.java", "public sealed interface Shape permits Shape.Circle, Shape.Square, Hidden",
            "public interface Shape"))).isNotEqualTo(LISTING);
        assertThat(listing(change("Hub.java", "public final String hubName()", "public final String hubName(int n)")))
            .as("a public method inherited from a superclass the package keeps to itself").isNotEqualTo(LISTING);
    }

    @Test
    void whatThePackageKeepsToItselfDoesNotShow() throws Exception {
        assertThat(listing(change("Base.java", "private void secret() {}", "private int secret(long l) { return 0; }")))
            .isEqualTo(LISTING);
        assertThat(listing(change("Base.java", "void packageMethod() {}", "void packageMethod() {}\n    void more() {}")))
            .isEqualTo(LISTING);
        assertThat(listing(change("Hidden.java", "public void notApi() {}", "public void notApiEither(int n) {}")))
            .isEqualTo(LISTING);
        assertThat(listing(change("Base.java", "Base(int size) { this.size = size; }", "Base(long size) {}")))
            .isEqualTo(LISTING);
    }

    @Test
    void theDiffNamesTheTypeOfEachChangedMember() {
        String before = "public final class a.A\n  public void x()\n\npublic final class a.B\n  public void y()\n";
        String after = "public final class a.A\n  public void x()\n\npublic final class a.B\n  public void z()\n";
        assertThat(ApiListing.diff(before, after)).isEqualTo("""
              public final class a.B
            -   public void y()
            +   public void z()
            """);
        assertThat(ApiListing.diff(before, before)).isEmpty();
    }

    /** The fixture with, in {@code file}, each of {@code fromTo}'s even elements replaced by the next. */
    private static Map<String, String> change(String file, String... fromTo) {
        String text = FIXTURE.get(file);
        for (int i = 0; i < fromTo.length; i += 2) {
            assertThat(text).contains(fromTo[i]);
            text = text.replace(fromTo[i], fromTo[i + 1]);
        }
        Map<String, String> changed = new LinkedHashMap<>(FIXTURE);
        changed.put(file, text);
        return changed;
    }

    /** Compiles the sources as package {@code fixture} and lists it. */
    private String listing(Map<String, String> sources) throws Exception {
        Path root = Files.createTempDirectory(dir, "fixture");
        Path src = Files.createDirectories(root.resolve("src/fixture"));
        Path classes = Files.createDirectories(root.resolve("classes"));
        List<String> args = new ArrayList<>(List.of("-d", classes.toString()));
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path f = src.resolve(e.getKey());
            Files.writeString(f, e.getValue(), UTF_8);
            args.add(f.toString());
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, log, log, args.toArray(String[]::new));
        assertThat(rc).as("javac: %s", log.toString(UTF_8)).isZero();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                ClassLoader.getPlatformClassLoader())) {
            return ApiListing.render(classes, "fixture", loader);
        }
    }

    /** A listing holds no blank line inside a type and one between types. */
    @Test
    void theListingOfDevVfork4jIsWellFormed() throws Exception {
        String listing = ApiListing.render(Path.of("target/classes"), "dev.vfork4j", getClass().getClassLoader());
        assertThat(listing).doesNotContain("\n\n\n").endsWith("\n").doesNotStartWith("\n")
            .doesNotContain("dev.vfork4j.spawn").doesNotContain("dev.vfork4j.linux").doesNotContain("dev.vfork4j.loop")
            .doesNotContain("dev.vfork4j.NativeChild");
    }
}
