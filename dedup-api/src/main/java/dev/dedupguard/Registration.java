package dev.dedupguard;

import java.util.Objects;

/**
 * The answer to one {@link DuplicateGuard#register} call: either this call stored the file, or the file was
 * already registered. A duplicate is an answer, not an error.
 *
 * @param <F> the registered type
 */
public sealed interface Registration<F> permits Registration.New, Registration.Duplicate {

    /**
     * What was passed to the guard.
     *
     * @return the input of the call, the same instance; never {@code null}
     */
    F file();

    /**
     * The normalised key the guard used to decide sameness.
     *
     * @return the key, with the content hash in lower case and the file name as given; never {@code null}
     */
    FileKey key();

    /**
     * The id of the stored row: the row this call inserted, or the row inserted earlier for a duplicate.
     *
     * @return the value of that row's id column
     */
    long id();

    /**
     * Whether this call stored the file.
     *
     * @return {@code true} for {@link New}, {@code false} for {@link Duplicate}
     */
    boolean isNew();

    /**
     * This call stored the file; {@link #id()} is the new row's id.
     *
     * @param file what was passed to the guard
     * @param key the normalised key the guard used to decide sameness
     * @param id the id of the row this call inserted
     * @param <F> the registered type
     */
    record New<F>(F file, FileKey key, long id) implements Registration<F> {
        /**
         * Checks that the references are present.
         *
         * @param file what was passed to the guard; not {@code null}
         * @param key the normalised key; not {@code null}
         * @param id the id of the row this call inserted
         * @throws NullPointerException if {@code file} or {@code key} is {@code null}
         */
        public New {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(key, "key");
        }

        @Override
        public boolean isNew() {
            return true;
        }
    }

    /**
     * The file was already registered; {@link #id()} is the id of the row stored earlier.
     *
     * @param file what was passed to the guard
     * @param key the normalised key the guard used to decide sameness
     * @param id the id of the row stored earlier with the same key
     * @param <F> the registered type
     */
    record Duplicate<F>(F file, FileKey key, long id) implements Registration<F> {
        /**
         * Checks that the references are present.
         *
         * @param file what was passed to the guard; not {@code null}
         * @param key the normalised key; not {@code null}
         * @param id the id of the row stored earlier
         * @throws NullPointerException if {@code file} or {@code key} is {@code null}
         */
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
