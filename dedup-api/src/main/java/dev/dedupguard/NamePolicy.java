package dev.dedupguard;

import java.text.Normalizer;

/**
 * Which file names count as the same name. The policy shapes the uniqueness key only: the name is always stored
 * exactly as given.
 */
public enum NamePolicy {
    /** Names are the same only if they are the same sequence of code points. The default. */
    EXACT,
    /**
     * Names are compared after Unicode NFC normalisation, so that "é" typed as one code point and as "e" plus a
     * combining accent are the same name (macOS and Windows hand out different forms of the same name).
     */
    NFC,
    /**
     * NFC, then each code point upper-cased on its own ({@link Character#toUpperCase(int)}: simple case mapping,
     * locale independent, the way NTFS compares names), so {@code Report.PDF} and {@code report.pdf} are the same
     * name. For Windows evidence files.
     */
    NFC_CASE_INSENSITIVE;

    /**
     * The form of {@code fileName} that takes part in the uniqueness key.
     *
     * @param fileName a file name as given by the host; not {@code null}
     * @return the name under this policy: the same string for {@link #EXACT}; two names are the same name under
     *     this policy exactly when their forms are equal
     */
    public String keyOf(String fileName) {
        switch (this) {
            case EXACT:
                return fileName;
            case NFC:
                return Normalizer.normalize(fileName, Normalizer.Form.NFC);
            case NFC_CASE_INSENSITIVE:
                String nfc = Normalizer.normalize(fileName, Normalizer.Form.NFC);
                StringBuilder upper = new StringBuilder(nfc.length());
                nfc.codePoints().map(Character::toUpperCase).forEach(upper::appendCodePoint);
                return upper.toString();
            default:
                throw new AssertionError(this);
        }
    }
}
