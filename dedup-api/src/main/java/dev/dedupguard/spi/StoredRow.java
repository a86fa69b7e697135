package dev.dedupguard.spi;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The key columns of a row the database holds, as the database returned them: what the engine compares with the
 * requested key, under the guard's own equality, before it answers {@link dev.dedupguard.Registration.Duplicate}. A
 * backend returns the row the database matched, never a row it looked up again by another route, so that a database
 * whose notion of "equal" differs from the guard's (a case-insensitive collation, a type that normalises values) is
 * caught instead of trusted.
 *
 * @param id the row's id
 * @param scope the scope column's value in its string form ({@code String.valueOf} of what the driver returned)
 * @param contentHash the content hash column's value, as stored (a {@code CHAR} column's blank padding may remain)
 * @param fileName the file name column's value, exactly as stored
 * @param nameDigest the name-key column's value, or {@code null} where the table judges sameness on the raw name
 */
public record StoredRow(long id, String scope, String contentHash, String fileName, @Nullable String nameDigest) {

    /**
     * Checks that the key values are present.
     *
     * @param id the row's id
     * @param scope the scope in its string form; not {@code null}
     * @param contentHash the content hash as stored; not {@code null}
     * @param fileName the file name as stored; not {@code null}
     * @param nameDigest the name-key column's value, or {@code null} where there is none
     * @throws NullPointerException if {@code scope}, {@code contentHash} or {@code fileName} is {@code null}
     */
    public StoredRow {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(contentHash, "contentHash");
        Objects.requireNonNull(fileName, "fileName");
    }
}
