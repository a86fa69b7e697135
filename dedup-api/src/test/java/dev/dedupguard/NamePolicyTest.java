package dev.dedupguard;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NamePolicyTest {
    private static final String COMPOSED = "R\u00e9sum\u00e9.PDF";
    private static final String DECOMPOSED = "Re\u0301sume\u0301.PDF";

    @Test
    void exactKeepsEveryCodePoint() {
        assertThat(NamePolicy.EXACT.keyOf(DECOMPOSED)).isEqualTo(DECOMPOSED).isNotEqualTo(COMPOSED);
    }

    @Test
    void nfcUnifiesComposedAndDecomposedForms() {
        assertThat(NamePolicy.NFC.keyOf(DECOMPOSED)).isEqualTo(NamePolicy.NFC.keyOf(COMPOSED)).isEqualTo(COMPOSED);
        assertThat(NamePolicy.NFC.keyOf("report.pdf")).isNotEqualTo(NamePolicy.NFC.keyOf("REPORT.PDF"));
    }

    @Test
    void caseInsensitiveUsesSimpleLocaleIndependentCaseMapping() {
        NamePolicy p = NamePolicy.NFC_CASE_INSENSITIVE;
        assertThat(p.keyOf("re\u0301sume\u0301.pdf")).isEqualTo(p.keyOf(COMPOSED));
        // simple mapping, like NTFS: sharp s is not expanded to SS, dotless/dotted i are not folded by locale
        assertThat(p.keyOf("stra\u00dfe.txt")).isNotEqualTo(p.keyOf("STRASSE.TXT"));
        assertThat(p.keyOf("file.txt")).isEqualTo("FILE.TXT");
        assertThat(p.keyOf("\uD801\uDC28.txt")).isEqualTo("\uD801\uDC00.TXT");
    }
}
