package dev.dedupguard.internal;

import dev.dedupguard.Strategy;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StorageSession;
import dev.dedupguard.spi.StorageSession.Row;
import dev.dedupguard.spi.StoredKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * The three strategies over the storage primitives. See {@link Strategy} for each algorithm as an ordered list;
 * the code follows those lists step by step.
 */
abstract class Algorithm {

    /** The outcome for one key: the id, and whether this transaction inserted it. */
    record Outcome(long id, boolean inserted) {
    }

    static Algorithm of(Strategy strategy, int lockStripes) {
        return switch (strategy) {
            case NO_LOCK -> new CheckThenInsert();
            case SELECT_FOR_UPDATE -> new StripeLockThenCheck(lockStripes);
            case UNIQUE_CONSTRAINT -> new InsertIfAbsent();
        };
    }

    abstract <F> Outcome register(StorageSession<F> session, F file, StoredKey key);

    /** Registers distinct keys, sorted by key; returns an outcome for every key. */
    abstract <F> Map<StoredKey, Outcome> registerAll(StorageSession<F> session, List<Row<F>> rows);

    static <F> Outcome checkThenInsert(StorageSession<F> session, F file, StoredKey key) {
        OptionalLong existing = session.find(key);
        if (existing.isPresent()) {
            return new Outcome(existing.getAsLong(), false);
        }
        return new Outcome(session.insert(file, key), true);
    }

    static <F> Map<StoredKey, Outcome> checkThenInsertAll(StorageSession<F> session, List<Row<F>> rows) {
        Map<StoredKey, Long> existing = session.findAll(keys(rows));
        Map<StoredKey, Outcome> outcomes = new LinkedHashMap<>();
        for (Row<F> row : rows) {
            Long id = existing.get(row.key());
            outcomes.put(row.key(), id != null
                    ? new Outcome(id, false)
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

        StripeLockThenCheck(int stripes) {
            this.stripes = stripes;
        }

        @Override
        <F> Outcome register(StorageSession<F> session, F file, StoredKey key) {
            int[] stripe = {key.stripe(stripes)};
            session.lockStripes(stripe);
            StorageSession.Stored stored = session.findOrInsert(file, key, stripe);
            return new Outcome(stored.id(), stored.inserted());
        }

        @Override
        <F> Map<StoredKey, Outcome> registerAll(StorageSession<F> session, List<Row<F>> rows) {
            TreeSet<Integer> sorted = new TreeSet<>();
            rows.forEach(r -> sorted.add(r.key().stripe(stripes)));
            session.lockStripes(sorted.stream().mapToInt(Integer::intValue).toArray());
            Map<StoredKey, Long> existing = session.findAll(keys(rows));
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
                Long id = existing.get(row.key());
                outcomes.put(row.key(), id != null
                        ? new Outcome(id, false)
                        : new Outcome(session.insert(row.file(), row.key()), true));
            }
            return outcomes;
        }
    }

    private static final class InsertIfAbsent extends Algorithm {
        @Override
        <F> Outcome register(StorageSession<F> session, F file, StoredKey key) {
            StorageSession.Stored stored = session.insertOrFind(file, key);
            if (stored == null) {
                throw invisible(List.of(key));
            }
            return new Outcome(stored.id(), stored.inserted());
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
            Map<StoredKey, Long> existing = conflicted.isEmpty() ? Map.of() : session.findAll(conflicted);
            if (existing.size() != conflicted.size()) {
                List<StoredKey> missing = new ArrayList<>(conflicted);
                missing.removeAll(existing.keySet());
                throw invisible(missing);
            }
            Map<StoredKey, Outcome> outcomes = new LinkedHashMap<>();
            for (Row<F> row : rows) {
                Long id = inserted.get(row.key());
                outcomes.put(row.key(), id != null ? new Outcome(id, true) : new Outcome(existing.get(row.key()), false));
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
