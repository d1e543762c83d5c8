package io.kvcourier.pd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonReaderTest {

    @Test
    @SuppressWarnings("unchecked") // JSON objects and arrays parse into Map<String, Object> and List<Object>
    void readsAllValueKindsInDocumentOrder() {
        Object v = JsonReader.parse(" {\"z\": [1, -2, 3.5, 1e2, true, false, null], \"a\": {\"s\": \"x\"}, \"e\": {}, "
                + "\"l\": []}\n");
        assertThat(v).isInstanceOf(Map.class);
        Map<String, Object> m = (Map<String, Object>) v;
        assertThat(m.keySet()).containsExactly("z", "a", "e", "l");
        assertThat((List<Object>) m.get("z")).containsExactly(1L, -2L, 3.5, 100.0, true, false, null);
        assertThat(m.get("a")).isEqualTo(Map.of("s", "x"));
        assertThat(m.get("e")).isEqualTo(Map.of());
        assertThat(m.get("l")).isEqualTo(List.of());
    }

    @Test
    void numbersAreLongWhenIntegralElseDouble() {
        assertThat(JsonReader.parse("0")).isEqualTo(0L);
        assertThat(JsonReader.parse("-0")).isEqualTo(0L);
        assertThat(JsonReader.parse("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
        assertThat(JsonReader.parse("-9223372036854775808")).isEqualTo(Long.MIN_VALUE);
        assertThat(JsonReader.parse("9223372036854775808")).isEqualTo(new BigInteger("9223372036854775808"));
        assertThat(JsonReader.parse("1.0")).isEqualTo(1.0);
        assertThat(JsonReader.parse("-2.5E-3")).isEqualTo(-0.0025);
        assertThat(JsonReader.parse("1e400")).isEqualTo(new BigDecimal("1e400"));
    }

    @Test
    void stringEscapesIncludingSurrogatePairs() {
        assertThat(JsonReader.parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"")).isEqualTo("a\"b\\c/d\b\f\n\r\t");
        assertThat(JsonReader.parse("\"\\u00e9\\u20AC\"")).isEqualTo("é€");
        assertThat(JsonReader.parse("\"\\ud83d\\ude00\"")).isEqualTo("\uD83D\uDE00");
        assertThat(JsonReader.parse("\"raw \uD83D\uDE00 é\"")).isEqualTo("raw \uD83D\uDE00 é");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", " ", "{", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\":1,", "[1,", "[1", "\"abc", "\"abc\\", "\"\\u12",
        "tru", "nul", "-", "1.", "1e", "1e+", ".5", "01", "+1", "NaN", "Infinity", "-Infinity", "'a'",
        "{a:1}", "{\"a\":1,}", "[1,]", "[,1]", "{\"a\" 1}", "{,}", "[1 2]", "// c\n1", "/* c */ 1",
        "\"tab\there\"", "\"\\x41\"", "\"\\ud83d\"", "\"\\ude00\"", "\"\\ud83d\\u0041\"", "\"\\uZZZZ\"",
        "\"\\u０１２３\"", "{\"a\":1,\"a\":2}", "1 2", "{} x", "[] ]", "true false", "\u00a01",
    })
    void rejectsInvalidJson(String text) {
        assertThatThrownBy(() -> JsonReader.parse(text)).isInstanceOf(JsonReader.ParseException.class)
                .hasMessageStartingWith("invalid JSON at offset ");
    }

    @Test
    void errorsSayWhereAndWhat() {
        assertThatThrownBy(() -> JsonReader.parse("{\"role\": \"sender\""))
                .isInstanceOfSatisfying(JsonReader.ParseException.class, e -> assertThat(e.position()).isEqualTo(17))
                .hasMessageContaining("offset 17 (line 1, column 18)").hasMessageContaining("end of input");
        assertThatThrownBy(() -> JsonReader.parse("{\n  \"a\": 1\n} trailing"))
                .hasMessageContaining("line 3, column 3").hasMessageContaining("after the JSON value");
        assertThatThrownBy(() -> JsonReader.parse("{\"a\": 1, \"a\": 2}")).hasMessageContaining("duplicate key \"a\"");
        assertThatThrownBy(() -> JsonReader.parse("\"abc")).hasMessageContaining("unterminated string");
        assertThatThrownBy(() -> JsonReader.parse("[01]")).hasMessageContaining("leading zero");
        assertThatThrownBy(() -> JsonReader.parse("\"\\ud83d\"")).hasMessageContaining("unpaired high surrogate");
    }

    @Test
    void depthIsCapped() {
        String ok = "[".repeat(JsonReader.MAX_DEPTH) + "]".repeat(JsonReader.MAX_DEPTH);
        assertThat(JsonReader.parse(ok)).isInstanceOf(List.class);
        String deep = "[".repeat(JsonReader.MAX_DEPTH + 1) + "]".repeat(JsonReader.MAX_DEPTH + 1);
        assertThatThrownBy(() -> JsonReader.parse(deep)).isInstanceOf(JsonReader.ParseException.class)
                .hasMessageContaining("nesting deeper than " + JsonReader.MAX_DEPTH);
        char[] hostile = new char[1_000_000];
        Arrays.fill(hostile, '{');
        assertThatThrownBy(() -> JsonReader.parse(new String(hostile)))
                .isInstanceOf(JsonReader.ParseException.class);
        assertThatThrownBy(() -> JsonReader.parse("{\"a\":".repeat(100_000)))
                .hasMessageContaining("nesting deeper than");
    }

    @Test
    void parseObjectNeedsAnObject() {
        assertThat(JsonReader.parseObject("{\"a\": 1}")).containsEntry("a", 1L);
        assertThatThrownBy(() -> JsonReader.parseObject("[1]")).isInstanceOf(JsonReader.ParseException.class)
                .hasMessageContaining("expected a JSON object");
        assertThatThrownBy(() -> JsonReader.parseObject("")).hasMessageContaining("end of input");
    }

    @Test
    @SuppressWarnings("unchecked") // JSON objects and arrays parse into Map<String, Object> and List<Object>
    void resultsAreUnmodifiable() {
        Map<String, Object> m = JsonReader.parseObject("{\"a\": [1]}");
        assertThatThrownBy(() -> m.put("b", 2)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ((List<Object>) m.get("a")).add(2)).isInstanceOf(UnsupportedOperationException.class);
    }
}
