package dev.dedupguard.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The one-round-trip subject on the embedded MariaDB: an auto-commit {@code INSERT ... RETURNING id} stores a new
 * file in one exchange with the server, committed when the call returns; a duplicate's 1062 and the lookup after it
 * take two. The server's process is found for the CPU figures.
 */
@Tag("slow")
class RawSubjectsMariaDbTest {
    private static BenchDatabase db;

    @BeforeAll
    static void open() {
        db = BenchDatabase.open("mariadb", 100);
    }

    @AfterAll
    static void close() {
        db.close();
    }

    @Test
    void theRawBatchStoresEachNewFileOnceAndSkipsThemWhenSentAgain() {
        RawSubjectsTest.assertRawBatchStoresEachFileOnce(db);
    }

    @Test
    void theOneRoundTripSubjectCommitsANewFileInOneExchange() {
        RawSubjectsTest.assertNewAndDuplicateExchanges(db, Subject.ONE_ROUND_TRIP, 1, 2);
    }

    @Test
    void theServerProcessIsMeasured() {
        ServerCpu cpu = db.serverCpu();
        assertThat(cpu.describe()).startsWith("mariadbd: process");
        long before = cpu.nanos();
        Subject one = Subject.create(Subject.ONE_ROUND_TRIP, null, db, db.dataSource(), null);
        long scope = Workloads.freshScope();
        for (int i = 0; i < 2000; i++) {
            one.register(Workloads.key(scope, 0, i));
        }
        assertThat(cpu.nanos()).isGreaterThan(before);
    }
}
