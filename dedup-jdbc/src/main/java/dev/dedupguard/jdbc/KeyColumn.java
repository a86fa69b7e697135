package dev.dedupguard.jdbc;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How a database stores and compares one of the guard's key columns, as its catalog says: the facts the schema check
 * holds against the guard's own equality.
 *
 * @param name the column as it goes into SQL (see {@link TableSchema})
 * @param declared the column's type as the catalog states it, for messages, e.g. {@code varchar(700) CHARACTER SET
 *     utf8mb4 COLLATE utf8mb4_general_ci}
 * @param values what kind of values the column holds
 * @param comparison how the database compares two of its values
 * @param repertoire which characters a text column can hold
 * @param length the declared length of a bounded text column, in the database's characters; {@code null} if unbounded
 *     or not text
 */
record KeyColumn(String name, String declared, Values values, Comparison comparison, Repertoire repertoire,
        @Nullable Integer length) {

    /** What kind of values a column holds. */
    enum Values {
        /** An integer type: a scope's canonical decimal form round-trips. */
        INTEGER,
        /** A variable-length text type. */
        TEXT,
        /** A fixed-length text type, padded with blanks ({@code CHAR(n)}). */
        FIXED_TEXT,
        /** A UUID type: a scope's canonical lower-case form round-trips. */
        UUID,
        /** Anything else. */
        OTHER
    }

    /** How the database compares two values of a column. */
    enum Comparison {
        /** Equal only if the same code points: a deterministic or binary collation without pad semantics. */
        EXACT,
        /** As {@link #EXACT}, except that trailing blanks do not count (PAD SPACE, {@code CHAR} semantics). */
        IGNORES_TRAILING_BLANKS,
        /** Case, accents, width or other differences may not count: a non-binary collation or type. */
        INSENSITIVE
    }

    /** Which characters a text column can hold. */
    enum Repertoire {
        /** Every Unicode code point. */
        UNICODE,
        /** The Basic Multilingual Plane only (MariaDB's utf8mb3): a supplementary character cannot be stored. */
        BMP,
        /** A character set that lacks most of Unicode (latin1, ascii, ...). */
        NARROW
    }

    KeyColumn {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(declared, "declared");
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(comparison, "comparison");
        Objects.requireNonNull(repertoire, "repertoire");
    }

    /** Whether the column holds text. */
    boolean isText() {
        return values == Values.TEXT || values == Values.FIXED_TEXT;
    }
}
