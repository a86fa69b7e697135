package dev.dedupguard;

/** Renders user input safely inside error messages. */
final class Texts {
    private static final int MAX_QUOTED = 120;

    private Texts() {
    }

    static String describe(char c) {
        return String.format("U+%04X", (int) c);
    }

    /** The value in double quotes, control characters escaped, cut to a readable length. */
    static String quote(String value) {
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
