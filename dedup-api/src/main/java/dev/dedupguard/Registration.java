package dev.dedupguard;

import java.util.Objects;

/**
 * The answer to one {@link DuplicateGuard#register} call: either this call stored the file, or the file was
 * already registered. A duplicate is an answer, not an error.
 *
 * @param <F> the registered type
 */
public sealed interface Registration<F> permits Registration.New, Registration.Duplicate {

    /** What was passed to the guard. */
    F file();

    /** The normalised key the guard used to decide sameness. */
    FileKey key();

    /** The id of the stored row: the row this call inserted, or the row inserted earlier for a duplicate. */
    long id();

    /** Whether this call stored the file. */
    boolean isNew();

    /** This call stored the file; {@link #id()} is the new row's id. */
    record New<F>(F file, FileKey key, long id) implements Registration<F> {
        public New {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(key, "key");
        }

        @Override
        public boolean isNew() {
            return true;
        }
    }

    /** The file was already registered; {@link #id()} is the id of the row stored earlier. */
    record Duplicate<F>(F file, FileKey key, long id) implements Registration<F> {
        public Duplicate {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(key, "key");
        }

        @Override
        public boolean isNew() {
            return false;
        }
    }
}
