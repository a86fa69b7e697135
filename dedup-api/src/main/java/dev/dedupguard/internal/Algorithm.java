package dev.dedupguard.internal;

import dev.dedupguard.NamePolicy;
import dev.dedupguard.Strategy;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StorageSession;
import dev.dedupguard.spi.StorageSession.Row;
import dev.dedupguard.spi.StoredKey;
import dev.dedupguard.spi.StoredRow;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The three strategies over the storage primitives. See {@link Strategy} for each algorithm as an ordered list;
 * the code follows those lists step by step. Every row the database reports for a key is checked against the key
 * under the guard's own equality ({@link KeyCheck}) before it becomes a duplicate's answer.
 */
abstract class Algorithm {
    /** The guard's equality, applied to every row the database matched. */
    final KeyCheck check;

    Algorithm(KeyCheck check) {
        this.check = check;
    }

    /** The outcome for one key: the id, and whether this transaction inserted it. */
    record Outcome(long id, boolean inserted) {
    }

    static Algorithm of(Strategy strategy, int lockStripes, NamePolicy policy) {
        KeyCheck check = new KeyCheck(policy);
        return switch (strategy) {
            case NO_LOCK -> new CheckThenInsert(check);
            case SELECT_FOR_UPDATE -> new StripeLockThenCheck(check, lockStripes);
            case UNIQUE_CONSTRAINT -> new InsertIfAbsent(check);
        };
    }

    abstract <F> Outcome register(StorageSession<F> session, F file, StoredKey key);

    /** Registers distinct keys, sorted by key; returns an outcome for every key. */
    abstract <F> Map<StoredKey, Outcome> registerAll(StorageSession<F> session, List<Row<F>> rows);

    /** The outcome of a registration that ended with {@code stored}, an existing row checked first. */
    final Outcome outcome(StoredKey key, StorageSession.Stored stored) {
        if (!stored.inserted()) {
            check.requireSame(key, stored.existing());
        }
        return new Outcome(stored.id(), stored.inserted());
    }

    /** The existing row of each key the database found, each checked against its key. */
    final Map<StoredKey, StoredRow> findAll(StorageSession<?> session, Collection<StoredKey> keys) {
        Map<StoredKey, StoredRow> found = session.findAll(keys);
        found.forEach(check::requireSame);
        return found;
    }

    final <F> Outcome checkThenInsert(StorageSession<F> session, F file, StoredKey key) {
        Optional<StoredRow> existing = session.find(key);
        if (existing.isPresent()) {
            return new Outcome(check.requireSame(key, existing.get()).id(), false);
        }
        return new Outcome(session.insert(file, key), true);
    }

    final <F> Map<StoredKey, Outcome> checkThenInsertAll(StorageSession<F> session, List<Row<F>> rows) {
        Map<StoredKey, StoredRow> existing = findAll(session, keys(rows));
        Map<StoredKey, Outcome> outcomes = new LinkedHashMap<>();
        for (Row<F> row : rows) {
            StoredRow found = existing.get(row.key());
            outcomes.put(row.key(), found != null
                    ? new Outcome(found.id(), false)
                    : new Outcome(session.insert(row.file(), row.key()), true));
        }
        return outcomes;
    }

    static <F> List<StoredKey> keys(List<Row<F>> rows) {
        List<StoredKey> keys = new ArrayList<>(rows.size());
        rows.forEach(r -> keys.add(r.key()));
        return keys;
    }

    private static final class CheckThenInsert extends Algorithm {
        CheckThenInsert(KeyCheck check) {
            super(check);
        }

        @Override
        <F> Outcome register(StorageSession<F> session, F file, StoredKey key) {
            return checkThenInsert(session, file, key);
        }

        @Override
        <F> Map<StoredKey, Outcome> registerAll(StorageSession<F> session, List<Row<F>> rows) {
            return checkThenInsertAll(session, rows);
        }
    }

    private static final class StripeLockThenCheck extends Algorithm {
        private final int stripes;

        StripeLockThenCheck(KeyCheck check, int stripes) {
            super(check);
            this.stripes = stripes;
        }

        @Override
        <F> Outcome register(StorageSession<F> session, F file, StoredKey key) {
            int[] stripe = {key.stripe(stripes)};
            session.lockStripes(stripe);
            return outcome(key, session.lockedFindElseInsert(file, key, stripe));
        }

        @Override
        <F> Map<StoredKey, Outcome> registerAll(StorageSession<F> session, List<Row<F>> rows) {
            TreeSet<Integer> sorted = new TreeSet<>();
            rows.forEach(r -> sorted.add(r.key().stripe(stripes)));
            session.lockStripes(sorted.stream().mapToInt(Integer::intValue).toArray());
            Map<StoredKey, StoredRow> existing = findAll(session, keys(rows));
            TreeSet<Integer> written = new TreeSet<>();
            for (Row<F> row : rows) {
                if (!existing.containsKey(row.key())) {
                    written.add(row.key().stripe(stripes));
                }
            }
            if (!written.isEmpty()) {
                session.touchStripes(written.stream().mapToInt(Integer::intValue).toArray());
            }
            Map<StoredKey, Outcome> outcomes = new LinkedHashMap<>();
            for (Row<F> row : rows) {
                StoredRow found = existing.get(row.key());
                outcomes.put(row.key(), found != null
                        ? new Outcome(found.id(), false)
                        : new Outcome(session.insert(row.file(), row.key()), true));
            }
            return outcomes;
        }
    }

    private static final class InsertIfAbsent extends Algorithm {
        InsertIfAbsent(KeyCheck check) {
            super(check);
        }

        @Override
        <F> Outcome register(StorageSession<F> session, F file, StoredKey key) {
            StorageSession.Stored stored = session.insertIfAbsentElseFind(file, key);
            if (stored == null) {
                throw invisible(List.of(key));
            }
            return outcome(key, stored);
        }

        @Override
        <F> Map<StoredKey, Outcome> registerAll(StorageSession<F> session, List<Row<F>> rows) {
            Map<StoredKey, Long> inserted = session.insertAllIfAbsent(rows);
            List<StoredKey> conflicted = new ArrayList<>();
            for (Row<F> row : rows) {
                if (!inserted.containsKey(row.key())) {
                    conflicted.add(row.key());
                }
            }
            Map<StoredKey, StoredRow> existing = conflicted.isEmpty() ? Map.of() : findAll(session, conflicted);
            if (existing.size() != conflicted.size()) {
                List<StoredKey> missing = new ArrayList<>(conflicted);
                missing.removeAll(existing.keySet());
                throw invisible(missing);
            }
            Map<StoredKey, Outcome> outcomes = new LinkedHashMap<>();
            for (Row<F> row : rows) {
                Long id = inserted.get(row.key());
                outcomes.put(row.key(), id != null ? new Outcome(id, true)
                        : new Outcome(existing.get(row.key()).id(), false));
            }
            return outcomes;
        }

        /**
         * The unique constraint said the key exists, yet this transaction cannot see the row: a snapshot taken
         * before the other transaction committed (REPEATABLE READ), or a concurrent release. A new transaction sees it.
         */
        private static StorageException invisible(Collection<StoredKey> keys) {
            return new StorageException(StorageException.Kind.SERIALIZATION_FAILURE,
                    "a row with the key exists but this transaction's snapshot cannot see it: " + keys.iterator().next().file()
                            + (keys.size() > 1 ? " and " + (keys.size() - 1) + " more" : ""), null);
        }
    }
}
