package dev.vfork4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void stringsWithQuotesBackslashesAndControlCharactersRoundTrip() {
        String nasty = "a \"quoted\" C:\\path\nline\ttab\r\u0000\u001f\u007f é ☃";
        String json = Json.write(nasty);
        assertThat(json).doesNotContain("\n").startsWith("\"").endsWith("\"");
        assertThat(JsonReader.parse(json)).isEqualTo(nasty);
    }

    @Test
    void nestedMapsListsAndScalarsRoundTripInOrder() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("z", null);
        inner.put("a", false);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("b", true);
        root.put("n", 42);
        root.put("l", -7L);
        root.put("list", Arrays.asList("x", null, List.of()));
        root.put("empty", Map.of());
        root.put("inner", inner);
        root.put("enum", Thread.State.NEW);
        Object back = JsonReader.parse(Json.write(root));
        assertThat(back).isInstanceOf(Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) back;
        assertThat(map.keySet()).containsExactly("b", "n", "l", "list", "empty", "inner", "enum");
        assertThat(map).containsEntry("b", true).containsEntry("n", 42L).containsEntry("l", -7L)
            .containsEntry("list", Arrays.asList("x", null, List.of()))
            .containsEntry("empty", Map.of())
            .containsEntry("enum", "NEW");
        assertThat(map.get("inner")).isEqualTo(inner);
    }

    @Test
    void doublesAreWrittenPlainWithoutTrailingZeros() {
        assertThat(Json.compact(List.of(201.3, 2.0, 0.05, -0.0, 1e-7, 12345678.9)))
            .isEqualTo("[201.3, 2, 0.05, 0, 0.0000001, 12345678.9]");
        assertThat(JsonReader.parse(Json.write(Map.of("x", 1.5)))).isEqualTo(Map.of("x", 1.5));
    }

    @Test
    void compactIsOneLineAndParsesToTheSameValue() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("vfork", 999);
        root.put("fork", 10);
        root.put("nested", Map.of("l", List.of(1, "two")));
        root.put("empty", List.of());
        String compact = Json.compact(root);
        assertThat(compact).isEqualTo("{\"vfork\": 999, \"fork\": 10, \"nested\": {\"l\": [1, \"two\"]}, \"empty\": []}");
        assertThat(JsonReader.parse(compact)).isEqualTo(JsonReader.parse(Json.write(root)));
    }

    @Test
    void refusesValuesItHasNoFormFor() {
        assertThatThrownBy(() -> Json.write(Map.of("x", 1.5f)))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("no JSON form for java.lang.Float");
        assertThatThrownBy(() -> Json.write(Double.NaN))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("no JSON form for NaN");
    }
}
