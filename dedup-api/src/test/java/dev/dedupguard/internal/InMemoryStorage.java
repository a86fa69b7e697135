package dev.dedupguard.internal;

import dev.dedupguard.FileKey;
import dev.dedupguard.NamePolicy;
import dev.dedupguard.spi.StorageBackend;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StorageException.Kind;
import dev.dedupguard.spi.StorageSession;
import dev.dedupguard.spi.StoredKey;
import dev.dedupguard.spi.StoredRow;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * A {@link StorageBackend} of {@link FileKey}s in memory, faithful enough to run the engine's rules in milliseconds:
 *
 * <ul>
 *   <li>rows are committed per transaction: a transaction's inserts and deletes are visible to itself at once and to
 *       others after its commit (READ COMMITTED); a rollback discards them;</li>
 *   <li>stripe locks and, with a unique constraint, key locks are real locks owned by a transaction (not a thread)
 *       until it ends; a wait longer than the transaction's lock timeout fails with {@link Kind#LOCK_TIMEOUT};</li>
 *   <li>with a unique constraint, an insert of a key another transaction inserted waits for that transaction and
 *       then fails with {@link Kind#UNIQUE_VIOLATION} (commit) or stores the row (rollback); without one, the same key
 *       can be stored twice, as on a table that cannot carry a constraint;</li>
 *   <li>the SPI's preconditions are checked: stripes locked in ascending order, only locked stripes touched,
 *       {@code insertIfAbsent} only against a unique constraint;</li>
 *   <li>faults can be injected at any primitive ({@link #fail}, {@link #failAfter}) and actions run just before one
 *       ({@link #beforeNext}, {@link #beforeEach}), e.g. another transaction committing the key between a check and an
 *       insert;</li>
 *   <li>it counts transactions and primitive calls, so a test can assert that nothing reached the storage.</li>
 * </ul>
 * Isolation levels are recorded but not simulated: a serialization failure happens only when injected. How the
 * simulated database compares keys can be set ({@code equality}): by default as the guard does, or e.g. ignoring the
 * name's case, as a table with a case-insensitive collation would; a row then keeps the key it was stored with.
 *
 * <p>Own-transaction mode by default; {@link #beginCaller(Duration)} gives a caller's transaction and a joined view of this
 * storage on it. Thread-safe.
 */
final class InMemoryStorage implements StorageBackend<FileKey> {

    /** The storage primitives, and {@link #TRANSACTION} for the start of a transaction (own or savepoint). */
    enum Primitive {
        TRANSACTION, FIND, FIND_ALL, LOCK_STRIPES, TOUCH_STRIPES, INSERT, INSERT_IF_ABSENT, INSERT_ALL_IF_ABSENT, DELETE
    }

    private final boolean uniqueConstraint;
    private final int maxFileNameBytes;
    private final Map<StoredKey, List<Long>> committed = new HashMap<>();
    private final Map<Integer, TxLock> stripeLocks = new ConcurrentHashMap<>();
    private final Map<StoredKey, TxLock> keyLocks = new ConcurrentHashMap<>();
    /** The key each row was stored with; the maps above are keyed by the database's form of a key. */
    private final Map<Long, StoredKey> rowKeys = new ConcurrentHashMap<>();
    private final UnaryOperator<StoredKey> equality;
    private final boolean nameKeyColumn;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Primitive, AtomicInteger> calls = new EnumMap<>(Primitive.class);
    private final List<Rule> rules = new ArrayList<>();
    private final List<TransactionSpec> specs = new ArrayList<>();

    /** A storage whose table has (or lacks) a unique constraint on the key, storing names up to 4096 bytes. */
    InMemoryStorage(boolean uniqueConstraint) {
        this(uniqueConstraint, FileKey.MAX_FILE_NAME_BYTES);
    }

    /** A storage whose table stores names of at most {@code maxFileNameBytes} UTF-8 bytes. */
    InMemoryStorage(boolean uniqueConstraint, int maxFileNameBytes) {
        this(uniqueConstraint, maxFileNameBytes, UnaryOperator.identity(), true);
    }

    /**
     * A storage of a table keyed on the raw name (no name-key column) whose database considers two keys the same row
     * when {@code equality} maps them to equal keys.
     */
    InMemoryStorage(boolean uniqueConstraint, int maxFileNameBytes, UnaryOperator<StoredKey> equality) {
        this(uniqueConstraint, maxFileNameBytes, equality, false);
    }

    private InMemoryStorage(boolean uniqueConstraint, int maxFileNameBytes, UnaryOperator<StoredKey> equality,
            boolean nameKeyColumn) {
        this.equality = equality;
        this.nameKeyColumn = nameKeyColumn;
        this.uniqueConstraint = uniqueConstraint;
        this.maxFileNameBytes = maxFileNameBytes;
        for (Primitive p : Primitive.values()) {
            calls.put(p, new AtomicInteger());
        }
    }

    /** Refuses a name longer than the table's {@code maxFileNameBytes}, as a narrow name column would. */
    private void checkName(StoredKey key) {
        int bytes = key.file().fileName().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxFileNameBytes) {
            throw new IllegalArgumentException("fileName must be at most " + maxFileNameBytes
                    + " bytes in UTF-8 for this table, was " + bytes + " bytes");
        }
    }

    @Override
    public FileKey keyOf(FileKey file) {
        return file;
    }

    @Override
    public void checkKey(StoredKey key) {
        checkName(key);
    }

    @Override
    public boolean joinsCallerTransaction() {
        return false;
    }

    @Override
    public <T> T inTransaction(TransactionSpec spec, StorageWork<FileKey, T> work) {
        synchronized (specs) {
            specs.add(spec);
        }
        Tx tx = new Tx(spec.lockTimeout());
        try {
            tx.primitive(Primitive.TRANSACTION);
            T result = work.run(tx);
            tx.commit();
            return result;
        } finally {
            tx.end();
        }
    }

    // ---------------------------------------------------------------- test controls

    /** The next {@code times} calls of {@code at} ({@code null}: of any primitive) fail with {@code kind}. */
    void fail(Primitive at, Kind kind, int times) {
        addRule(new Rule(at, 0, times, kind, null));
    }

    /** After {@code skip} calls of {@code at} pass, the next one fails with {@code kind}. */
    void failAfter(Primitive at, int skip, Kind kind) {
        addRule(new Rule(at, skip, 1, kind, null));
    }

    /** Runs {@code action} just before the next call of {@code at}, on the calling thread. */
    void beforeNext(Primitive at, Runnable action) {
        addRule(new Rule(at, 0, 1, null, action));
    }

    /** Runs {@code action} just before every call of {@code at}, on the calling thread. */
    void beforeEach(Primitive at, Runnable action) {
        addRule(new Rule(at, 0, Integer.MAX_VALUE, null, action));
    }

    private void addRule(Rule rule) {
        synchronized (rules) {
            rules.add(rule);
        }
    }

    /**
     * Stores a row for {@code key} (under {@link NamePolicy#EXACT}) as another, already committed transaction would;
     * returns its id.
     */
    long commitElsewhere(FileKey key) {
        long id = ids.incrementAndGet();
        StoredKey stored = StoredKey.of(key, NamePolicy.EXACT);
        rowKeys.put(id, stored);
        synchronized (committed) {
            committed.computeIfAbsent(equality.apply(stored), k -> new ArrayList<>()).add(id);
        }
        return id;
    }

    /** Deletes the committed rows of {@code key} as another transaction's release would; returns how many. */
    int releaseElsewhere(FileKey key) {
        synchronized (committed) {
            List<Long> removed = committed.remove(equality.apply(StoredKey.of(key, NamePolicy.EXACT)));
            return removed == null ? 0 : removed.size();
        }
    }

    /** How many committed rows have the key's scope, hash and exact name. */
    int rows(FileKey key) {
        synchronized (committed) {
            return (int) committed.values().stream().flatMap(List::stream)
                    .filter(id -> rowKeys.get(id).file().equals(key)).count();
        }
    }

    /** How many rows are committed in all. */
    int totalRows() {
        synchronized (committed) {
            return committed.values().stream().mapToInt(List::size).sum();
        }
    }

    /** How many times {@code primitive} was called (for {@link Primitive#TRANSACTION}: transactions begun). */
    int calls(Primitive primitive) {
        return calls.get(primitive).get();
    }

    /** How many calls reached the storage at all, transactions included. */
    int totalCalls() {
        return calls.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** The settings of every own transaction begun so far, in order. */
    List<TransactionSpec> specs() {
        synchronized (specs) {
            return List.copyOf(specs);
        }
    }

    /** Begins a transaction of the caller's own, with {@code lockTimeout} for its waits outside the guard. */
    CallerTransaction beginCaller(Duration lockTimeout) {
        return new CallerTransaction(new Tx(lockTimeout));
    }

    /**
     * A caller's transaction and a {@link StorageBackend} joined to it: each {@code inTransaction} runs inside a
     * savepoint of it (undone if the work throws, the caller's earlier work kept) with the guard's lock timeout, and
     * nothing commits until {@link #commit()}. Locks taken inside a rolled-back savepoint are kept until the
     * transaction ends. Use from one thread at a time.
     */
    final class CallerTransaction implements StorageBackend<FileKey> {
        private final Tx tx;

        private CallerTransaction(Tx tx) {
            this.tx = tx;
        }

        @Override
        public FileKey keyOf(FileKey file) {
            return file;
        }

        @Override
        public void checkKey(StoredKey key) {
            checkName(key);
        }

        @Override
        public boolean joinsCallerTransaction() {
            return true;
        }

        @Override
        public <T> T inTransaction(TransactionSpec spec, StorageWork<FileKey, T> work) {
            Tx.Savepoint savepoint = tx.savepoint(spec.lockTimeout());
            try {
                tx.primitive(Primitive.TRANSACTION);
                return work.run(tx);
            } catch (RuntimeException e) {
                savepoint.rollback();
                throw e;
            } finally {
                savepoint.restoreTimeout();
            }
        }

        /**
         * Inserts a row for {@code key} (under {@link NamePolicy#EXACT}) as the caller's own work would, holding its
         * key lock until the transaction ends.
         */
        long insert(FileKey key) {
            return tx.insertRow(StoredKey.of(key, NamePolicy.EXACT));
        }

        /** Commits the caller's work and the guard's, and releases every lock the transaction holds. */
        void commit() {
            try {
                tx.commit();
            } finally {
                tx.end();
            }
        }

        /** Discards the caller's work and the guard's, and releases every lock the transaction holds. */
        void rollback() {
            tx.end();
        }
    }

    // ---------------------------------------------------------------- internals

    private record Rule(Primitive at, int skip, int times, Kind kind, Runnable action) {
    }

    /**
     * Counts the call, then applies the first rule (in the order they were added) that matches it: a rule still
     * skipping lets the call pass, a firing one runs its action and throws its fault.
     */
    private void intercept(Primitive primitive) {
        calls.get(primitive).incrementAndGet();
        Rule fired = null;
        synchronized (rules) {
            for (int i = 0; i < rules.size(); i++) {
                Rule r = rules.get(i);
                if (r.at() != null && r.at() != primitive) {
                    continue;
                }
                if (r.skip() > 0) {
                    rules.set(i, new Rule(r.at(), r.skip() - 1, r.times(), r.kind(), r.action()));
                    return;
                }
                if (r.times() == 1) {
                    rules.remove(i);
                } else if (r.times() != Integer.MAX_VALUE) {
                    rules.set(i, new Rule(r.at(), 0, r.times() - 1, r.kind(), r.action()));
                }
                fired = r;
                break;
            }
        }
        if (fired == null) {
            return;
        }
        if (fired.action() != null) {
            fired.action().run();
        }
        if (fired.kind() != null) {
            throw new StorageException(fired.kind(), "injected " + fired.kind() + " at " + primitive, null);
        }
    }

    /** A lock owned by a transaction until it ends, waited for with a timeout. */
    private static final class TxLock {
        private Tx owner;

        synchronized boolean acquire(Tx tx, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (owner != null && owner != tx) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                wait(Math.max(1, left / 1_000_000));
            }
            owner = tx;
            return true;
        }

        synchronized void release(Tx tx) {
            if (owner == tx) {
                owner = null;
                notifyAll();
            }
        }

        synchronized boolean heldBy(Tx tx) {
            return owner == tx;
        }
    }

    /** One transaction: its uncommitted inserts and deletes, and the locks it holds. */
    private final class Tx implements StorageSession<FileKey> {
        private final Map<StoredKey, List<Long>> inserted = new LinkedHashMap<>();
        private final Set<StoredKey> deleted = new HashSet<>();
        private final List<TxLock> held = new ArrayList<>();
        private Duration lockTimeout;
        private boolean ended;

        Tx(Duration lockTimeout) {
            this.lockTimeout = lockTimeout;
        }

        void primitive(Primitive primitive) {
            if (ended) {
                throw new IllegalStateException("the transaction has ended");
            }
            intercept(primitive);
        }

        @Override
        public Optional<StoredRow> find(StoredKey key) {
            primitive(Primitive.FIND);
            List<Long> ids = visible(key);
            return ids.isEmpty() ? Optional.empty() : Optional.of(row(ids.get(0)));
        }

        @Override
        public Map<StoredKey, StoredRow> findAll(Collection<StoredKey> keys) {
            primitive(Primitive.FIND_ALL);
            Map<StoredKey, StoredRow> found = new LinkedHashMap<>();
            for (StoredKey key : keys) {
                List<Long> ids = visible(key);
                if (!ids.isEmpty()) {
                    found.put(key, row(ids.get(0)));
                }
            }
            return found;
        }

        /** A row's key columns as the table returns them. */
        private StoredRow row(long id) {
            StoredKey key = rowKeys.get(id);
            return new StoredRow(id, key.file().scope(), key.file().contentHash(), key.file().fileName(),
                    nameKeyColumn ? key.nameDigest() : null);
        }

        @Override
        public void lockStripes(int[] stripes) {
            primitive(Primitive.LOCK_STRIPES);
            for (int i = 1; i < stripes.length; i++) {
                if (stripes[i] <= stripes[i - 1]) {
                    throw new IllegalStateException("stripes must be distinct and ascending: "
                            + Arrays.toString(stripes));
                }
            }
            for (int stripe : stripes) {
                lock(stripeLocks.computeIfAbsent(stripe, s -> new TxLock()), "stripe " + stripe);
            }
        }

        @Override
        public void touchStripes(int[] stripes) {
            primitive(Primitive.TOUCH_STRIPES);
            for (int stripe : stripes) {
                TxLock lock = stripeLocks.get(stripe);
                if (lock == null || !lock.heldBy(this)) {
                    throw new IllegalStateException("touched stripe " + stripe + " without holding its lock");
                }
            }
        }

        @Override
        public long insert(FileKey file, StoredKey key) {
            primitive(Primitive.INSERT);
            return insertRow(key);
        }

        @Override
        public OptionalLong insertIfAbsent(FileKey file, StoredKey key) {
            primitive(Primitive.INSERT_IF_ABSENT);
            return insertUnlessVisible(key);
        }

        @Override
        public Map<StoredKey, Long> insertAllIfAbsent(List<Row<FileKey>> rows) {
            primitive(Primitive.INSERT_ALL_IF_ABSENT);
            Map<StoredKey, Long> ids = new LinkedHashMap<>();
            for (Row<FileKey> row : rows) {
                insertUnlessVisible(row.key()).ifPresent(id -> ids.put(row.key(), id));
            }
            return ids;
        }

        @Override
        public List<StoredRow> delete(StoredKey key) {
            primitive(Primitive.DELETE);
            if (uniqueConstraint) {
                lockKey(key);
            }
            List<StoredRow> rows = new ArrayList<>();
            visible(key).forEach(id -> rows.add(row(id)));
            inserted.remove(equality.apply(key));
            deleted.add(equality.apply(key));
            return rows;
        }

        long insertRow(StoredKey key) {
            if (uniqueConstraint) {
                lockKey(key);
                if (!visible(key).isEmpty()) {
                    throw new StorageException(Kind.UNIQUE_VIOLATION, "duplicate key " + key.file(), null);
                }
            }
            return addRow(key);
        }

        private long addRow(StoredKey key) {
            long id = ids.incrementAndGet();
            rowKeys.put(id, key);
            inserted.computeIfAbsent(equality.apply(key), k -> new ArrayList<>()).add(id);
            return id;
        }

        private OptionalLong insertUnlessVisible(StoredKey key) {
            if (!uniqueConstraint) {
                throw new IllegalStateException("insertIfAbsent needs a unique constraint on the key");
            }
            lockKey(key);
            if (!visible(key).isEmpty()) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(addRow(key));
        }

        /** The key lock stands for the unique index entry: held by whoever inserts or deletes the key. */
        private void lockKey(StoredKey key) {
            lock(keyLocks.computeIfAbsent(equality.apply(key), k -> new TxLock()), "key " + key.file());
        }

        private void lock(TxLock lock, String what) {
            if (lock.heldBy(this)) {
                return;
            }
            boolean acquired;
            try {
                acquired = lock.acquire(this, lockTimeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StorageException(Kind.OTHER, "interrupted while waiting for " + what, e);
            }
            if (!acquired) {
                throw new StorageException(Kind.LOCK_TIMEOUT, "waited " + lockTimeout + " for " + what, null);
            }
            held.add(lock);
        }

        /** The ids of the rows the database matches to {@code key}, oldest first. */
        private List<Long> visible(StoredKey key) {
            StoredKey db = equality.apply(key);
            List<Long> ids = new ArrayList<>(inserted.getOrDefault(db, List.of()));
            if (!deleted.contains(db)) {
                synchronized (committed) {
                    ids.addAll(0, committed.getOrDefault(db, List.of()));
                }
            }
            return ids;
        }

        Savepoint savepoint(Duration timeout) {
            Savepoint savepoint = new Savepoint(lockTimeout);
            lockTimeout = timeout;
            return savepoint;
        }

        void commit() {
            synchronized (committed) {
                deleted.forEach(committed::remove);
                inserted.forEach((key, rowIds) -> committed.computeIfAbsent(key, k -> new ArrayList<>()).addAll(rowIds));
            }
        }

        void end() {
            ended = true;
            held.forEach(lock -> lock.release(this));
            held.clear();
        }

        /** The transaction's changes at one instant, to go back to. */
        final class Savepoint {
            private final Map<StoredKey, List<Long>> insertedBefore = new LinkedHashMap<>();
            private final Set<StoredKey> deletedBefore = new HashSet<>(deleted);
            private final Duration outerTimeout;

            Savepoint(Duration outerTimeout) {
                this.outerTimeout = outerTimeout;
                inserted.forEach((k, v) -> insertedBefore.put(k, new ArrayList<>(v)));
            }

            void rollback() {
                inserted.clear();
                inserted.putAll(insertedBefore);
                deleted.clear();
                deleted.addAll(deletedBefore);
            }

            void restoreTimeout() {
                lockTimeout = outerTimeout;
            }
        }
    }
}
