package dev.dedupguard;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The database matched a stored row to the requested key, but the guard's own equality says the row holds another
 * key: the table compares scopes, hashes or names differently from the guard (a case-, accent- or trailing-space
 * insensitive collation, a type that normalises values, a hash stored in upper case). The guard never answers
 * {@link Registration.Duplicate} for such a row, since the caller would drop a file that is not stored; it raises this
 * instead, and nothing is written (the call's transaction, or its savepoint in joined mode, is rolled back). The same
 * input raises it from {@link DuplicateGuard#register} and {@link DuplicateGuard#registerAll}.
 *
 * <p>The message names the requested key, the stored row, the field whose comparison differs and what to change. A
 * guard's {@code build()} refuses the schemas that cause this where it can tell from the catalog; this exception is
 * the check that holds when it cannot.
 */
public class KeyCollisionException extends DuplicateGuardException {
    private final transient @Nullable StoredValues stored;
    /** The key field whose comparison differs, or {@code null} if unknown; serialized with the exception. */
    private final @Nullable String field;

    /**
     * The key columns of the row the database matched, as it returned them.
     *
     * @param id the row's id
     * @param scope the scope column's value in its string form
     * @param contentHash the content hash column's value
     * @param fileName the file name column's value
     */
    public record StoredValues(long id, String scope, String contentHash, String fileName) {
    }

    /**
     * A collision found by comparing one stored row with the requested key.
     *
     * @param message the requested key, the stored row, the field that differs and what to change
     * @param requested the requested key; not {@code null}
     * @param stored the stored row's key columns, or {@code null} if the database did not say which row it matched
     * @param field the key field whose comparison differs ({@code scope}, {@code contentHash}, {@code fileName}), or
     *     {@code null} if unknown
     * @param cause the underlying failure, or {@code null}
     */
    public KeyCollisionException(String message, FileKey requested, @Nullable StoredValues stored,
            @Nullable String field, @Nullable Throwable cause) {
        super(message, requested, cause);
        this.stored = stored;
        this.field = field;
    }

    /**
     * The key columns of the row the database matched to the requested key.
     *
     * @return the stored row's values, or empty if the database did not say which row it matched (or the exception
     *     was serialized)
     */
    public Optional<StoredValues> stored() {
        return Optional.ofNullable(stored);
    }

    /**
     * The key field whose comparison differs between the database and the guard.
     *
     * @return {@code scope}, {@code contentHash} or {@code fileName}; empty if unknown
     */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }
}
