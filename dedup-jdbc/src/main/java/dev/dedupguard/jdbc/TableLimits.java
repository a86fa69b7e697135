package dev.dedupguard.jdbc;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What the schema check found about the values a table can hold, against which every key is measured before any
 * database work ({@link JdbcStorage#checkKey}): the declared sizes of the string key columns, in the database's
 * characters (see {@link Dialect#characterLength}), {@code null} where a column is not a bounded character column; the
 * form a scope takes in its column; and which columns hold only the Basic Multilingual Plane.
 *
 * @param scopeChars the scope column's declared length
 * @param nameChars the file name column's declared length
 * @param keyColumnTypes the database's type names of scope, content hash and name match column as the
 *     catalog reports them, or {@code null} if not read
 * @param scopeForm the form in which the scope column stores a scope
 * @param scopeBmpOnly whether the scope column cannot hold a character outside the Basic Multilingual Plane
 * @param nameBmpOnly whether the file name column cannot hold a character outside the Basic Multilingual Plane
 */
public record TableLimits(@Nullable Integer scopeChars, @Nullable Integer nameChars,
        @Nullable List<String> keyColumnTypes, ScopeForm scopeForm, boolean scopeBmpOnly, boolean nameBmpOnly) {

    /** The form in which a scope column stores a scope, and so which scopes it keeps apart. */
    public enum ScopeForm {
        /** Text, compared exactly: every scope is its own. */
        TEXT,
        /** An integer: only a scope in canonical decimal form ({@code 7}, not {@code 07} or {@code +7}) round-trips. */
        INTEGER,
        /** A UUID: only a scope in canonical lower-case form round-trips. */
        UUID;

        /**
         * A scope as the guard binds it to a column of this form: the text itself, a {@code Long}, or a
         * {@link java.util.UUID}. Comparing an {@code int} or {@code smallint} column with a {@code Long} parameter is
         * exact on every supported database.
         *
         * @param scope a scope already checked to be canonical for this form
         * @return the value for {@code setObject}
         * @throws IllegalArgumentException if {@code scope} is not a value of this form
         */
        public Object value(String scope) {
            return switch (this) {
                case TEXT -> scope;
                case INTEGER -> Long.valueOf(scope);
                case UUID -> java.util.UUID.fromString(scope);
            };
        }
    }

    /**
     * Checks that the scope form is given.
     *
     * @param scopeChars the scope column's declared length, or {@code null}
     * @param nameChars the file name column's declared length, or {@code null}
     * @param keyColumnTypes the key columns' type names, or {@code null}
     * @param scopeForm the scope column's form; not {@code null}
     * @param scopeBmpOnly whether the scope column holds the Basic Multilingual Plane only
     * @param nameBmpOnly whether the file name column holds the Basic Multilingual Plane only
     * @throws NullPointerException if {@code scopeForm} is {@code null}
     */
    public TableLimits {
        Objects.requireNonNull(scopeForm, "scopeForm");
    }

    /**
     * Limits that measure only the declared sizes: text scopes, every code point.
     *
     * @param scopeChars the scope column's declared length, or {@code null}
     * @param nameChars the file name column's declared length, or {@code null}
     * @param keyColumnTypes the key columns' type names, or {@code null}
     */
    public TableLimits(@Nullable Integer scopeChars, @Nullable Integer nameChars, @Nullable List<String> keyColumnTypes) {
        this(scopeChars, nameChars, keyColumnTypes, ScopeForm.TEXT, false, false);
    }
}
