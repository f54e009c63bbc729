package dev.vfork4j.cli;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Writes maps, lists, strings, numbers, booleans and null as JSON (RFC 8259), indented or on
 * one line. Just enough for the CLI's {@code --json} outputs; the CLI carries no JSON library.
 */
public final class Json {
    private Json() {}

    /** Indented, one value per line. */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, "");
        return sb.toString();
    }

    /** On one line, with a space after each colon and comma: {@code {"vfork": 999, "fork": 10}}. */
    static String compact(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, null);
        return sb.toString();
    }

    /** {@code indent} is null for the one-line form. */
    private static void write(StringBuilder sb, Object value, String indent) {
        switch (value) {
            case null -> sb.append("null");
            case String s -> quote(sb, s);
            case Boolean b -> sb.append(b);
            case Integer i -> sb.append(i);
            case Long l -> sb.append(l);
            case Double d -> number(sb, d);
            case Map<?, ?> map -> container(sb, '{', '}', map.entrySet().iterator(), indent);
            case List<?> list -> container(sb, '[', ']', list.iterator(), indent);
            case Enum<?> e -> quote(sb, e.name());
            default -> throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
        }
    }

    /** A finite double in plain decimal notation, without trailing zeros: 201.3, 2, 0.05. */
    private static void number(StringBuilder sb, double d) {
        if (!Double.isFinite(d)) {
            throw new IllegalArgumentException("no JSON form for " + d);
        }
        sb.append(d == 0 ? "0" : java.math.BigDecimal.valueOf(d).stripTrailingZeros().toPlainString());
    }

    private static void container(StringBuilder sb, char open, char close, Iterator<?> items, String indent) {
        sb.append(open);
        if (!items.hasNext()) {
            sb.append(close);
            return;
        }
        String inner = indent == null ? null : indent + "  ";
        while (items.hasNext()) {
            if (inner != null) {
                sb.append('\n').append(inner);
            }
            Object item = items.next();
            if (item instanceof Map.Entry<?, ?> e) {
                quote(sb, String.valueOf(e.getKey()));
                sb.append(": ");
                item = e.getValue();
            }
            write(sb, item, inner);
            if (items.hasNext()) {
                sb.append(inner == null ? ", " : ",");
            }
        }
        if (indent != null) {
            sb.append('\n').append(indent);
        }
        sb.append(close);
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
