package dev.dedupguard.testing;

import dev.dedupguard.FileKey;
import dev.dedupguard.spi.StorageBackend;
import dev.dedupguard.spi.StorageSession;
import dev.dedupguard.spi.StoredKey;
import dev.dedupguard.spi.StoredRow;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;

/**
 * A storage whose sessions pass through a decorator, for tests that inject pauses or faults at one primitive: extend
 * {@link Forwarding} and override that primitive only.
 *
 * @param <F> the registered type
 */
public final class DecoratedStorage<F> implements StorageBackend<F> {
    private final StorageBackend<F> delegate;
    private final UnaryOperator<StorageSession<F>> decorator;

    public DecoratedStorage(StorageBackend<F> delegate, UnaryOperator<StorageSession<F>> decorator) {
        this.delegate = delegate;
        this.decorator = decorator;
    }

    @Override
    public FileKey keyOf(F file) {
        return delegate.keyOf(file);
    }

    @Override
    public void checkKey(StoredKey key) {
        delegate.checkKey(key);
    }

    @Override
    public boolean joinsCallerTransaction() {
        return delegate.joinsCallerTransaction();
    }

    @Override
    public <T> T inTransaction(TransactionSpec spec, StorageWork<F, T> work) {
        return delegate.inTransaction(spec, session -> work.run(decorator.apply(session)));
    }

    /** A session that forwards every primitive to another. */
    public static class Forwarding<F> implements StorageSession<F> {
        protected final StorageSession<F> session;

        public Forwarding(StorageSession<F> session) {
            this.session = session;
        }

        @Override
        public Optional<StoredRow> find(StoredKey key) {
            return session.find(key);
        }

        @Override
        public Map<StoredKey, StoredRow> findAll(Collection<StoredKey> keys) {
            return session.findAll(keys);
        }

        @Override
        public void lockStripes(int[] stripes) {
            session.lockStripes(stripes);
        }

        @Override
        public void touchStripes(int[] stripes) {
            session.touchStripes(stripes);
        }

        @Override
        public long insert(F file, StoredKey key) {
            return session.insert(file, key);
        }

        @Override
        public OptionalLong insertIfAbsent(F file, StoredKey key) {
            return session.insertIfAbsent(file, key);
        }

        @Override
        public Map<StoredKey, Long> insertAllIfAbsent(List<Row<F>> rows) {
            return session.insertAllIfAbsent(rows);
        }

        @Override
        public List<StoredRow> delete(StoredKey key) {
            return session.delete(key);
        }
    }
}
