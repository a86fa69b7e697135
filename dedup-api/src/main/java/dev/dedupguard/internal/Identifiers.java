package dev.dedupguard.internal;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Checks of the table names a user configures for the library's own tables. */
public final class Identifiers {
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

    private Identifiers() {
    }

    /**
     * Checks that {@code value} is an unquoted SQL identifier, optionally schema-qualified.
     *
     * @return {@code value}
     * @throws IllegalArgumentException naming {@code field} otherwise
     */
    public static String require(String field, @Nullable String value) {
        if (value == null || !IDENTIFIER.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " must be an unquoted SQL identifier, optionally "
                    + "schema-qualified (letters, digits, underscore; e.g. dedup_file or audit.dedup_file), was "
                    + (value == null ? "null" : "\"" + value + "\""));
        }
        return value;
    }
}
