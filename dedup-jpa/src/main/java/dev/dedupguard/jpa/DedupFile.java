package dev.dedupguard.jpa;

import dev.dedupguard.FileKey;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.UniqueConstraint;
import java.time.OffsetDateTime;

/**
 * The library-owned table {@code dedup_file} as an entity, for hosts that register {@link FileKey}s with
 * {@link JpaDuplicateGuard#forLibraryEntity}. Add it to the persistence unit (e.g.
 * {@code PersistenceConfiguration.managedClass(DedupFile.class)} or {@code <class>} in {@code persistence.xml}).
 * The table's DDL is {@code dev/dedupguard/schema/*.sql}; {@code name_key} is the SHA-256 of the policy-normalised name.
 */
@Entity
@Table(name = "dedup_file", uniqueConstraints = @UniqueConstraint(name = "uq_dedup_file_key",
        columnNames = {"scope", "content_hash", "name_key"}))
public class DedupFile {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "scope", nullable = false, length = 255)
    private String scope;

    @Column(name = "content_hash", nullable = false, length = 128)
    private String contentHash;

    @Column(name = "file_name", nullable = false, length = 4096)
    private String fileName;

    @Column(name = "name_key", nullable = false, length = 64)
    private String nameKey;

    @Column(name = "registered_at", insertable = false, updatable = false)
    private OffsetDateTime registeredAt;

    /** For the persistence provider; an instance made this way has no key until the provider fills it. */
    protected DedupFile() {
    }

    DedupFile(FileKey key, String nameKey) {
        this.scope = key.scope();
        this.contentHash = key.contentHash();
        this.fileName = key.fileName();
        this.nameKey = nameKey;
    }

    /**
     * The generated primary key, which a {@link dev.dedupguard.Registration} reports as its id.
     *
     * @return the id, or {@code null} for an instance not read from the database
     */
    public Long getId() {
        return id;
    }

    /**
     * The scope the file was registered in.
     *
     * @return {@link FileKey#scope()} of the registration
     */
    public String getScope() {
        return scope;
    }

    /**
     * The content hash, lower-case hex.
     *
     * @return {@link FileKey#contentHash()} of the registration
     */
    public String getContentHash() {
        return contentHash;
    }

    /**
     * The file name exactly as registered.
     *
     * @return {@link FileKey#fileName()} of the registration
     */
    public String getFileName() {
        return fileName;
    }

    /**
     * The uniqueness key of the name: lower-case hex SHA-256 of the name under the guard's name policy.
     *
     * @return 64 hex digits
     */
    public String getNameKey() {
        return nameKey;
    }

    /**
     * When the row was stored (database clock); {@code null} until read back from the database.
     *
     * @return the time of registration, or {@code null}
     */
    public OffsetDateTime getRegisteredAt() {
        return registeredAt;
    }

    /**
     * The key this row registers.
     *
     * @return a new key from the scope, content hash and file name
     * @throws IllegalArgumentException if the row's values are not a valid key (only for rows not written by a guard)
     */
    public FileKey toKey() {
        return FileKey.of(scope, contentHash, fileName);
    }
}
