package dev.dedupguard.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.FileKey;
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
    void theOneRoundTripSubjectCommitsANewFileInOneExchange() {
        Subject one = Subject.create(Subject.ONE_ROUND_TRIP, null, db, db.dataSource(), null);
        one.register(Workloads.key(Workloads.freshScope(), 0, 0));
        FileKey key = Workloads.key(Workloads.freshScope(), 0, 0);

        long x0 = ExchangeCountingSocketFactory.exchanges();
        Subject.Outcome stored = one.register(key);
        long x1 = ExchangeCountingSocketFactory.exchanges();
        assertThat(one.rows(db, Long.parseLong(key.scope()))).isEqualTo(1);
        long x2 = ExchangeCountingSocketFactory.exchanges();
        Subject.Outcome again = one.register(key);
        long x3 = ExchangeCountingSocketFactory.exchanges();

        assertThat(stored.isNew()).isTrue();
        assertThat(x1 - x0).isEqualTo(1);
        assertThat(again).isEqualTo(new Subject.Outcome(false, stored.id()));
        assertThat(x3 - x2).isEqualTo(2);
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
