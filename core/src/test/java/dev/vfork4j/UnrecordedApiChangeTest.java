package dev.vfork4j;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The exported package's public API, as compiled, is what core/api/vfork4j.api records: a
 * change to it, wanted or not, fails the build until the listing is recorded again and the
 * change is there to review in the commit. Recording:
 * {@value #RECORD}.
 */
class UnrecordedApiChangeTest {

    static final String RECORD = "./mvnw -B -pl core test -Dtest=UnrecordedApiChangeTest"
        + " -Dsurefire.failIfNoSpecifiedTests=false -Dapi.record=true";

    private static final Path LISTING = Path.of("api/vfork4j.api");

    @Test
    void thePublicApiIsTheRecordedOne() throws Exception {
        String current = ApiListing.render(Path.of("target/classes"), "dev.vfork4j", getClass().getClassLoader());
        assertThat(current).as("the listing of dev.vfork4j").contains("public final class dev.vfork4j.Command");
        if (Boolean.getBoolean("api.record")) {
            Files.createDirectories(LISTING.getParent());
            Files.writeString(LISTING, current, UTF_8);
            System.out.println("recorded the public API in core/" + LISTING);
            return;
        }
        assertThat(LISTING).as("core/" + LISTING + "; record it with: " + RECORD).exists();
        String recorded = Files.readString(LISTING, UTF_8);
        if (!recorded.equals(current)) {
            throw new AssertionError("The public API of dev.vfork4j differs from core/" + LISTING
                + " (- recorded, + compiled):\n" + ApiListing.diff(recorded, current)
                + "If the change is meant, record it and commit the listing with it:\n  " + RECORD);
        }
    }
}
