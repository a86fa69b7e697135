package dev.dedupguard.examples.upload;

import java.nio.charset.StandardCharsets;

/**
 * The rule for the file names clients send. A name is <b>evidence metadata</b>: stored exactly as given (a name such
 * as {@code ../../etc/passwd} or one with U+202E RIGHT-TO-LEFT OVERRIDE may itself be evidence), and <b>never used as a
 * path</b>: the bytes go to a content-addressed store under their SHA-256 ({@link EvidenceStore}), and no response
 * header or file is built from a name. It is <b>shown safely</b>: {@link #display} escapes every character that would
 * change how the text around it reads (control characters, bidirectional and other invisible format characters) as
 * {@code \\u202E}. Names are refused with a fixed text only when they cannot be stored: absent or blank, with control
 * characters, an unpaired surrogate, or longer than the configured number of UTF-8 bytes.
 */
final class UploadNames {
    private UploadNames() {
    }

    /**
     * Why {@code name} cannot be stored, as a fixed text for the client, or {@code null} if it can.
     *
     * @param name the multipart part's file name, possibly {@code null}
     * @param maxBytes the longest name accepted, in UTF-8 bytes
     * @return the problem, naming the rule and never echoing the name
     */
    static String problem(String name, int maxBytes) {
        if (name == null || name.isBlank()) {
            return "the part 'file' has no file name";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c)) {
                return "the file name contains control characters";
            }
            if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "the file name is not valid Unicode";
            }
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
            return "the file name is longer than " + maxBytes + " bytes of UTF-8";
        }
        return null;
    }

    /**
     * {@code name} for display: format characters (Unicode category Cf: bidirectional overrides and isolates, zero
     * width characters) and anything not printable are written as {@code \\uXXXX}; everything else as given.
     *
     * @param name a stored name
     * @return the same text with the characters that could disguise it escaped
     */
    static String display(String name) {
        StringBuilder out = new StringBuilder(name.length());
        name.codePoints().forEach(cp -> {
            int type = Character.getType(cp);
            boolean hidden = type == Character.FORMAT || type == Character.CONTROL || type == Character.UNASSIGNED
                    || type == Character.PRIVATE_USE || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR;
            if (hidden) {
                out.append(String.format("\\u%04X", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }
}
