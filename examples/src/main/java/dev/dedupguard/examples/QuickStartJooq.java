package dev.dedupguard.examples;

// tag::imports[]
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dedupguard.ContentHash;
import dev.dedupguard.FileKey;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import dev.dedupguard.jooq.HostTable;
import dev.dedupguard.jooq.JooqDuplicateGuard;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
// end::imports[]

/**
 * The README's jOOQ quick start. The README quotes the regions between {@code tag::} and {@code end::} verbatim,
 * {@code ReadmeSnippetsTest} checks that it does, and {@code QuickStartTest} runs each method on embedded PostgreSQL:
 * the README cannot show code that does not compile or does not work.
 */
final class QuickStartJooq {

    private QuickStartJooq() {
    }

    /** Where a {@link DataSource} comes from when the application has none yet. */
    static HikariDataSource dataSource(String jdbcUrl, String user, String password) {
        // tag::datasource[]
        HikariConfig config = new HikariConfig();     // or the DataSource your framework already has
        config.setJdbcUrl(jdbcUrl);                   // e.g. jdbc:postgresql://localhost:5432/evidence
        config.setUsername(user);
        config.setPassword(password);
        HikariDataSource dataSource = new HikariDataSource(config);
        // end::datasource[]
        return dataSource;
    }

    /** Registers {@code file} in the library-owned table {@code dedup_file}; returns the answer. */
    static Registration<FileKey> jooqLibraryTable(DataSource dataSource, Path file) throws IOException {
        // tag::jooq-library[]
        JooqDuplicateGuard<FileKey> guard = JooqDuplicateGuard.forLibraryTable(dataSource, SQLDialect.POSTGRES)
                .strategy(Strategy.UNIQUE_CONSTRAINT)      // the default
                .lockTimeout(Duration.ofSeconds(5))        // the default
                .createSchemaIfMissing(true)               // creates dedup_file and dedup_lock_stripe if absent
                .build();                                  // build once: immutable and thread-safe

        String hash = ContentHash.sha256(file);            // reads the file in constant memory; IOException
        Registration<FileKey> r = guard.register(FileKey.of("case-42", hash, file.getFileName().toString()));
        if (r.isNew()) {
            // a new file: process it; r.id() is its row in dedup_file
        } else {
            // a duplicate of row r.id(): skip it
        }
        // end::jooq-library[]
        return r;
    }

    /**
     * Registers {@code file} in the host's own table {@code case_file} (which must have the unique constraint
     * {@code uq_case_file_duplicate}) inside a transaction of the caller's; returns the answer.
     */
    static Registration<Record> jooqHostTable(DataSource dataSource, long caseId, Path file) throws IOException {
        // tag::jooq-host[]
        // case_file as plain jOOQ names, no code generation needed; with generated classes the same mapping is
        // HostTable.of(CASE_FILE).id(CASE_FILE.ID).scope(CASE_FILE.CASE_ID)... and registers CaseFileRecords
        Table<Record> caseFile = DSL.table(DSL.name("case_file"));
        Field<Long> id = DSL.field(DSL.name("id"), SQLDataType.BIGINT);
        Field<Long> caseIdColumn = DSL.field(DSL.name("case_id"), SQLDataType.BIGINT);
        Field<String> fileHash = DSL.field(DSL.name("file_hash"), SQLDataType.CHAR(64));
        Field<String> originalFilename = DSL.field(DSL.name("original_filename"), SQLDataType.VARCHAR(2000));
        HostTable<Record> caseFiles = HostTable.of(caseFile).id(id).scope(caseIdColumn).contentHash(fileHash)
                .fileName(originalFilename).build();

        DSLContext dsl = DSL.using(dataSource, SQLDialect.POSTGRES);
        JooqDuplicateGuard<Record> guard = JooqDuplicateGuard.forHostTable(dsl, caseFiles)
                .build();                                  // checks that case_file has the unique constraint

        String hash = ContentHash.sha256(file);
        // your transaction: the new row commits, or rolls back, with the rest of the transaction's work
        Registration<Record> r = dsl.transactionResult(tx -> {
            Record row = tx.dsl().newRecord(caseIdColumn, fileHash, originalFilename);
            row.set(caseIdColumn, caseId);
            row.set(fileHash, hash);
            row.set(originalFilename, file.getFileName().toString());
            Registration<Record> registration = guard.joining(tx).register(row);   // inserts the row when new
            if (registration.isNew()) {
                // ... your other work on the new file, in the same transaction ...
            }
            return registration;
        });
        // end::jooq-host[]
        return r;
    }

    /**
     * A guard for a host table that cannot carry a unique constraint: {@code SELECT_FOR_UPDATE}, which needs the
     * stripe table.
     */
    static JooqDuplicateGuard<Record> jooqHostTableWithoutConstraint(DSLContext dsl, HostTable<Record> legacyFiles) {
        // tag::jooq-host-stripes[]
        JooqDuplicateGuard<Record> guard = JooqDuplicateGuard.forHostTable(dsl, legacyFiles)
                .strategy(Strategy.SELECT_FOR_UPDATE)      // locks one row of dedup_lock_stripe per registration
                .createSchemaIfMissing(true)               // creates dedup_lock_stripe, never the host table
                .build();
        // end::jooq-host-stripes[]
        return guard;
    }
}
