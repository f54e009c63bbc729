package dev.vfork4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vfork4j.cli.lab.Claim;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code vfork4j lab}: every experiment run for real, in its bounded form ({@code --quick}),
 * and the contract of its output. Verdicts that rest on what the kernel and glibc do are
 * asserted; those that rest on timing against the parent's size are only checked to be one of
 * the three, since a loaded machine can blur a small heap's contrast.
 */
class LabCommandTest {

    private static final Set<String> VERDICTS = Set.of("confirmed", "refuted", "not-testable");

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> experiments(Invocation r) {
        assertThat(r.code()).as(r.err()).isZero();
        Map<String, Object> root = (Map<String, Object>) JsonReader.parse(r.out());
        assertThat(root).containsOnlyKeys("experiments");
        return (List<Map<String, Object>>) root.get("experiments");
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyExperimentRunsAndReportsTheContractShape() {
        List<Map<String, Object>> experiments = experiments(Invocation.execute("lab", "--quick", "--json"));
        assertThat(experiments).extracting(e -> e.get("id"))
            .containsExactly(Arrays.stream(Claim.values()).map(Claim::id).toArray());
        for (Map<String, Object> e : experiments) {
            assertThat(e).containsOnlyKeys("id", "claim", "source", "measured", "verdict", "why");
            Claim claim = Claim.byId((String) e.get("id"));
            assertThat(e.get("claim")).isEqualTo(claim.quote());
            Map<String, Object> source = (Map<String, Object>) e.get("source");
            assertThat(source.get("title")).isEqualTo(claim.source().title());
            assertThat(source).containsOnlyKeys(claim.source().url().isPresent() ? Set.of("title", "url") : Set.of("title"));
            claim.source().url().ifPresent(url -> assertThat(source).containsEntry("url", url));
            assertThat(e.get("measured")).isInstanceOf(Map.class);
            assertThat((String) e.get("verdict")).isIn(VERDICTS);
            assertThat((String) e.get("why")).as(e.get("id") + "'s why").isNotBlank();
        }
        Map<String, Map<String, Object>> byId = experiments.stream()
            .collect(Collectors.toMap(e -> (String) e.get("id"), Function.identity()));

        assertThat(byId.get("memory-sharing")).containsEntry("verdict", "confirmed")
            .containsEntry("measured", Map.of("vfork", 999L, "fork", 10L));
        for (String id : List.of("parent-suspended", "only-calling-thread-suspended", "signals-after-release",
            "exit-vs-_exit")) {
            assertThat(byId.get(id)).as(id).containsEntry("verdict", "confirmed");
        }
        for (String id : List.of("vfork-is-fork", "whole-process-suspended", "vfork-exit-duplicates-output")) {
            assertThat(byId.get(id)).as(id).containsEntry("verdict", "refuted");
        }
        assertThat(byId.get("child-return-crashes-parent")).containsEntry("verdict", "not-testable");
        // One measurement, two claims of the same seed that contradict each other: opposite verdicts.
        String onTopOfVfork = (String) byId.get("posix-spawn-is-vfork").get("verdict");
        String notVfork = (String) byId.get("linux-posix-spawn-not-vfork").get("verdict");
        assertThat(onTopOfVfork + "/" + notVfork).isIn("confirmed/refuted", "refuted/confirmed", "not-testable/not-testable");
        // Without a pseudo-terminal (a container without /dev/pts) this one is not-testable, never confirmed.
        assertThat((String) byId.get("no-sigttin-in-vfork-child").get("verdict")).isIn("refuted", "not-testable");

        Map<String, Object> held = (Map<String, Object>) byId.get("parent-suspended").get("measured");
        assertThat(((Number) held.get("vforkThenExecMs")).doubleValue()).isGreaterThanOrEqualTo(200);
        assertThat(((Number) held.get("forkWithoutCloneVforkMs")).doubleValue()).isLessThan(200);

        Map<String, Object> exits = (Map<String, Object>) byId.get("exit-vs-_exit").get("measured");
        assertThat(exits).containsOnlyKeys("fork+exit", "fork+_exit", "vfork+exit", "vfork+_exit");
        assertThat((Map<String, Object>) exits.get("fork+exit")).containsEntry("copiesAfterParentFlush", 2L);
        assertThat((Map<String, Object>) exits.get("vfork+exit")).containsEntry("parentExitHandlerRan", true);

        Map<String, Object> sizes = (Map<String, Object>) byId.get("fork-cost-vs-memory").get("measured");
        assertThat(sizes).containsKeys("heapsMb", "pageTablesKb", "spawnMedianUs");
        assertThat((Map<String, Object>) sizes.get("spawnMedianUs")).containsOnlyKeys("VFORK", "POSIX_SPAWN", "FORK");
        Map<String, Object> commit = (Map<String, Object>) byId.get("commit-charge").get("measured");
        assertThat(commit).containsKeys("heapMb", "parentPrivateWritableMb", "overcommitMemory");
    }

    @Test
    void textQuotesTheClaimCitesItsPublicSourceAndShowsWhatWasMeasured() {
        Invocation r = Invocation.execute("lab", "--only", "memory-sharing");
        assertThat(r.code()).isZero();
        assertThat(r.out())
            .startsWith("vfork4j lab: 1 published claim about vfork, measured on this machine (")
            .contains("memory-sharing: CONFIRMED")
            .containsPattern("(?m)^  claim     \"The child modifies val, and the parent sees it.\"$")
            .containsPattern("(?m)^  source    Uros Popovic's vfork explainer on X, "
                + "https://x.com/popovicu94/status/2009087220440027419$")
            .containsPattern("(?m)^  measured  \\{\"vfork\": 999, \"fork\": 10\\}$")
            .containsPattern("(?m)^  why       ")
            .containsPattern("(?m)^1 experiment in \\d+ s: 1 confirmed$");
        assertThat(r.err()).contains("lab: measuring ");
    }

    @Test
    @SuppressWarnings("unchecked")
    void noOutputNamesAFileOfTheProjectsWorkingArea() {
        // The lab used to cite claims by seed file names ("000_6a81e0ef7c238cfe.txt") that a
        // reader cannot open. Every source is cited by a title to look up, most with an address.
        String internalName = "\\d{3}_[0-9a-f]{16}\\.txt";
        Invocation text = Invocation.execute("lab", "--only", "child-return-crashes-parent,vfork-is-fork");
        assertThat(text.out()).doesNotContainPattern(internalName).doesNotContain("seed");
        Invocation json = Invocation.execute("lab", "--json", "--only", "child-return-crashes-parent");
        assertThat(json.out()).doesNotContainPattern(internalName);
        assertThat(experiments(json).getFirst()).doesNotContainKey("seed").containsKey("source");
        for (Claim.Source s : Claim.Source.values()) {
            assertThat(s.title()).isNotBlank().doesNotContainPattern(internalName);
            s.url().ifPresent(url -> assertThat(url).startsWith("https://"));
        }
    }

    @Test
    void onlyRunsTheNamedExperimentsInTheLabsOrder() {
        List<Map<String, Object>> experiments = experiments(
            Invocation.execute("lab", "--json", "--only", "child-return-crashes-parent,memory-sharing"));
        assertThat(experiments).extracting(e -> e.get("id")).containsExactly("memory-sharing", "child-return-crashes-parent");
        assertThat(experiments.get(1)).containsEntry("measured", Map.of());
    }

    @Test
    void anUnknownExperimentIsAUsageErrorNamingTheValidOnes() {
        Invocation r = Invocation.execute("lab", "--only", "memory-sharing,nope");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("vfork4j: unknown experiment 'nope'").contains("memory-sharing, vfork-is-fork, ");
    }

    @Test
    void aMalformedHeapSizeIsAUsageError() {
        for (String bad : List.of("12x", "8", "32m", "2000000g", "")) {
            Invocation r = Invocation.execute("lab", "--heaps", bad);
            assertThat(r.code()).as(bad).isEqualTo(2);
            assertThat(r.err()).as(bad).contains("invalid heap size").contains("such as 256m or 8g");
        }
    }

    @Test
    void anUnknownOptionIsAUsageError() {
        Invocation r = Invocation.execute("lab", "--fast");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("vfork4j: unknown option '--fast'\nTry 'vfork4j lab --help'.\n");
    }

    @Test
    void helpListsTheExperimentIds() {
        Invocation r = Invocation.execute("lab", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("--only").contains("memory-sharing").contains("--quick").contains("--json");
    }
}
