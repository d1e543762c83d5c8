package io.kvcourier.pd;

import java.io.Serial;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A small strict JSON (RFC 8259) reader for configuration documents.
 *
 * <p>Values map to Java as follows: object → {@code Map<String, Object>} (unmodifiable, keys in document
 * order), array → {@code List<Object>} (unmodifiable), string → {@link String}, {@code true}/{@code false} →
 * {@link Boolean}, {@code null} → {@code null}, number without fraction or exponent → {@link Long}, or
 * {@link BigInteger} when it does not fit a long; any other number → {@link Double}, or {@link BigDecimal}
 * when it is too large for a finite double.
 *
 * <p>Strict means: no comments, no trailing commas, no single quotes, no {@code NaN}/{@code Infinity}, no
 * leading zeros or {@code +} signs, no unescaped control characters in strings, no unpaired UTF-16
 * surrogates from {@code \\u} escapes, no duplicate keys in an object (Python would keep the last one; a
 * duplicated config key is a mistake), nothing but whitespace after the value, and at most
 * {@link #MAX_DEPTH} nested arrays/objects. Every error is a {@link ParseException} carrying the character
 * offset, line and column.
 *
 * <p>Stateless and thread-safe; each call parses one document.
 */
public final class JsonReader {

    /** The deepest nesting of arrays and objects accepted. */
    public static final int MAX_DEPTH = 64;

    private final String text;
    private int pos;

    private JsonReader(String text) {
        this.text = text;
    }

    /**
     * Parses one JSON value.
     *
     * @param json the text
     * @return the value: a {@code Map}, {@code List}, {@code String}, {@code Boolean}, number or {@code null}
     * @throws ParseException if {@code json} is not exactly one valid JSON value
     */
    public static Object parse(String json) {
        Objects.requireNonNull(json, "json");
        JsonReader r = new JsonReader(json);
        r.skipWhitespace();
        Object value = r.readValue(0);
        r.skipWhitespace();
        if (r.pos < json.length()) {
            throw r.error("unexpected " + r.describeCurrent() + " after the JSON value");
        }
        return value;
    }

    /**
     * Parses a JSON document whose top-level value must be an object.
     *
     * @param json the text
     * @return the object's members, in document order
     * @throws ParseException if it is not valid JSON or not an object
     */
    @SuppressWarnings("unchecked") // a JSON object is always parsed into a Map<String, Object>
    public static Map<String, Object> parseObject(String json) {
        Objects.requireNonNull(json, "json");
        JsonReader r = new JsonReader(json);
        r.skipWhitespace();
        if (r.pos >= json.length() || json.charAt(r.pos) != '{') {
            throw r.error("expected a JSON object ('{'), found " + r.describeCurrent());
        }
        return (Map<String, Object>) parse(json);
    }

    private Object readValue(int depth) {
        if (pos >= text.length()) {
            throw error("unexpected end of input, expected a value");
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> readObject(depth + 1);
            case '[' -> readArray(depth + 1);
            case '"' -> readString();
            case 't' -> readLiteral("true", Boolean.TRUE);
            case 'f' -> readLiteral("false", Boolean.FALSE);
            case 'n' -> readLiteral("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield readNumber();
                }
                throw error("unexpected " + describeCurrent() + ", expected a value");
            }
        };
    }

    private Map<String, Object> readObject(int depth) {
        checkDepth(depth);
        pos++; // '{'
        Map<String, Object> map = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return Collections.unmodifiableMap(map);
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw error("expected a string key, found " + describeCurrent());
            }
            int keyPos = pos;
            String key = readString();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            Object value = readValue(depth);
            if (map.containsKey(key)) {
                throw new ParseException("duplicate key \"" + key + "\"", keyPos, text);
            }
            map.put(key, value);
            skipWhitespace();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == '}') {
                pos++;
                return Collections.unmodifiableMap(map);
            } else {
                throw error("expected ',' or '}' in object, found " + describeCurrent());
            }
        }
    }

    private List<Object> readArray(int depth) {
        checkDepth(depth);
        pos++; // '['
        List<Object> list = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return Collections.unmodifiableList(list);
        }
        while (true) {
            skipWhitespace();
            list.add(readValue(depth));
            skipWhitespace();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == ']') {
                pos++;
                return Collections.unmodifiableList(list);
            } else {
                throw error("expected ',' or ']' in array, found " + describeCurrent());
            }
        }
    }

    private void checkDepth(int depth) {
        if (depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH + " arrays/objects");
        }
    }

    private String readString() {
        int start = pos;
        pos++; // opening quote
        StringBuilder sb = null;
        int runStart = pos;
        while (true) {
            if (pos >= text.length()) {
                throw new ParseException("unterminated string", start, text);
            }
            char c = text.charAt(pos);
            if (c == '"') {
                String s = sb == null ? text.substring(runStart, pos) : sb.append(text, runStart, pos).toString();
                pos++;
                return s;
            }
            if (c < 0x20) {
                throw error("unescaped control character U+" + String.format("%04X", (int) c) + " in string");
            }
            if (c != '\\') {
                pos++;
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder();
            }
            sb.append(text, runStart, pos);
            pos++; // backslash
            if (pos >= text.length()) {
                throw new ParseException("unterminated string", start, text);
            }
            char e = text.charAt(pos);
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    int escapePos = pos - 1;
                    char u = readHex4();
                    if (Character.isHighSurrogate(u)) {
                        if (pos + 1 < text.length() && text.charAt(pos + 1) == '\\'
                                && pos + 2 < text.length() && text.charAt(pos + 2) == 'u') {
                            pos += 2;
                            char low = readHex4();
                            if (!Character.isLowSurrogate(low)) {
                                throw new ParseException("high surrogate \\u" + hex4(u)
                                        + " not followed by a low surrogate", escapePos, text);
                            }
                            sb.append(u).append(low);
                        } else {
                            throw new ParseException("unpaired high surrogate \\u" + hex4(u), escapePos, text);
                        }
                    } else if (Character.isLowSurrogate(u)) {
                        throw new ParseException("unpaired low surrogate \\u" + hex4(u), escapePos, text);
                    } else {
                        sb.append(u);
                    }
                }
                default -> throw error("invalid escape '\\" + printable(e) + "' in string");
            }
            pos++;
            runStart = pos;
        }
    }

    /** Reads the 4 hex digits after {@code \\u}; on entry pos is at 'u', on exit at the last digit. */
    private char readHex4() {
        if (pos + 4 >= text.length()) {
            throw error("truncated \\u escape");
        }
        int v = 0;
        for (int i = 1; i <= 4; i++) {
            int d = Character.digit(text.charAt(pos + i), 16);
            if (d < 0 || text.charAt(pos + i) > 'f') {
                throw new ParseException("invalid hex digit in \\u escape", pos + i, text);
            }
            v = (v << 4) | d;
        }
        pos += 4;
        return (char) v;
    }

    private static String hex4(char c) {
        return String.format("%04x", (int) c);
    }

    private Object readLiteral(String word, Object value) {
        if (!text.startsWith(word, pos)) {
            throw error("unexpected " + describeCurrent() + ", expected a value");
        }
        pos += word.length();
        return value;
    }

    private Object readNumber() {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
            if (isDigit(peek())) {
                throw error("leading zero in number");
            }
        } else if (isDigit(peek())) {
            while (isDigit(peek())) {
                pos++;
            }
        } else {
            throw error("expected a digit, found " + describeCurrent());
        }
        boolean integral = true;
        if (peek() == '.') {
            integral = false;
            pos++;
            if (!isDigit(peek())) {
                throw error("expected a digit after '.', found " + describeCurrent());
            }
            while (isDigit(peek())) {
                pos++;
            }
        }
        char e = peek();
        if (e == 'e' || e == 'E') {
            integral = false;
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!isDigit(peek())) {
                throw error("expected a digit in exponent, found " + describeCurrent());
            }
            while (isDigit(peek())) {
                pos++;
            }
        }
        String literal = text.substring(start, pos);
        if (integral) {
            if (literal.length() <= 18) {
                return Long.parseLong(literal);
            }
            BigInteger big = new BigInteger(literal);
            return big.bitLength() < 64 ? (Object) big.longValue() : big;
        }
        double d = Double.parseDouble(literal);
        return Double.isInfinite(d) ? new BigDecimal(literal) : (Object) d;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\uFFFF';
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("expected '" + c + "', found " + describeCurrent());
        }
        pos++;
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private String describeCurrent() {
        return pos >= text.length() ? "end of input" : "'" + printable(text.charAt(pos)) + "'";
    }

    private static String printable(char c) {
        return c < 0x20 || c == 0x7f || Character.isSurrogate(c) ? String.format("U+%04X", (int) c)
                : String.valueOf(c);
    }

    private ParseException error(String message) {
        return new ParseException(message, pos, text);
    }

    /** Malformed JSON; the message says what was expected and where (offset, line, column). */
    public static final class ParseException extends IllegalArgumentException {

        @Serial
        private static final long serialVersionUID = 1L;

        /**
         * Offset of the error in the input, in chars.
         */
        private final int position;

        ParseException(String message, int position, String text) {
            super("invalid JSON at " + location(position, text) + ": " + message);
            this.position = position;
        }

        /** {@return the 0-based character offset of the error in the input} */
        public int position() {
            return position;
        }

        private static String location(int position, String text) {
            int line = 1;
            int lineStart = 0;
            int end = Math.min(position, text.length());
            for (int i = 0; i < end; i++) {
                if (text.charAt(i) == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            return "offset " + position + " (line " + line + ", column " + (position - lineStart + 1) + ")";
        }
    }
}
