package dev.dedupguard.migration;

import static org.jooq.impl.DSL.name;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import dev.dedupguard.jooq.HostTable;
import dev.dedupguard.jooq.JooqDuplicateGuard;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/** The host's guard on the seeded {@code case_file} (jOOQ), as the host's writers use it. */
final class HostGuard {
    static final Field<Long> ID = DSL.field(name("id"), SQLDataType.BIGINT);
    static final Field<Long> CASE_ID = DSL.field(name("case_id"), SQLDataType.BIGINT);
    static final Field<String> FILE_HASH = DSL.field(name("file_hash"), SQLDataType.CHAR(64));
    static final Field<String> ORIGINAL_FILENAME = DSL.field(name("original_filename"), SQLDataType.VARCHAR(750));
    static final Field<String> UPLOADED_BY = DSL.field(name("uploaded_by"), SQLDataType.VARCHAR(100));

    final DuplicateGuard<Record> guard;
    private final DSLContext records;

    private HostGuard(DuplicateGuard<Record> guard, DSLContext records) {
        this.guard = guard;
        this.records = records;
    }

    /** A guard of {@code strategy} on {@code table} (creating the stripe table if needed). */
    static HostGuard of(TestDb db, DataSource ds, String table, Strategy strategy) {
        HostTable<Record> mapping = HostTable.of(DSL.table(name(table))).id(ID).scope(CASE_ID).contentHash(FILE_HASH)
                .fileName(ORIGINAL_FILENAME).build();
        return new HostGuard(JooqDuplicateGuard.forHostTable(ds, db.jooq(), mapping).strategy(strategy)
                .createSchemaIfMissing(true).build(), DSL.using(db.jooq()));
    }

    Registration<Record> register(long caseId, String hash, String fileName, String uploadedBy) {
        Record row = records.newRecord(CASE_ID, FILE_HASH, ORIGINAL_FILENAME, UPLOADED_BY);
        row.set(CASE_ID, caseId);
        row.set(FILE_HASH, hash);
        row.set(ORIGINAL_FILENAME, fileName);
        row.set(UPLOADED_BY, uploadedBy);
        return guard.register(row);
    }
}
