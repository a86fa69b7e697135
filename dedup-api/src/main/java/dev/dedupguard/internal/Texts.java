package dev.dedupguard.internal;

/** Renders user input safely inside error messages: the library's messages quote every value through it. */
public final class Texts {
    private static final int MAX_QUOTED = 120;

    private Texts() {
    }

    /**
     * The length of a string in UTF-8, without encoding it.
     *
     * @param value a string without unpaired surrogates (each would count 2 bytes, not the 3 of its replacement)
     * @return the number of bytes {@code value.getBytes(UTF_8)} would have
     */
    public static int utf8Length(String value) {
        int bytes = value.length();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c >= 0x80) {
                bytes += c < 0x800 || Character.isSurrogate(c) ? 1 : 2;
            }
        }
        return bytes;
    }

    /**
     * A character as its code point in {@code U+XXXX} form, for messages about one character.
     *
     * @param c the character
     * @return e.g. {@code U+0000}
     */
    public static String describe(char c) {
        return String.format("U+%04X", (int) c);
    }

    /**
     * The value in double quotes, control characters and unpaired surrogates escaped, cut to a readable length.
     *
     * @param value any string; not {@code null}
     * @return the quoted form
     */
    public static String quote(String value) {
        StringBuilder out = new StringBuilder(Math.min(value.length(), MAX_QUOTED) + 16).append('"');
        int shown = Math.min(value.length(), MAX_QUOTED);
        for (int i = 0; i < shown; i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c) || Character.isSurrogate(c) && !isPaired(value, i)) {
                out.append(String.format("\\u%04X", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
        if (value.length() > shown) {
            out.append("... (").append(value.length()).append(" characters)");
        }
        return out.toString();
    }

    private static boolean isPaired(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
