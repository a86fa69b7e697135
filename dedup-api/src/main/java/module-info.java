/**
 * The dedup-guard API, the strategies, and the storage port that backends implement. The engine in
 * {@code dev.dedupguard.internal} is open to the project's own backends only (the qualified export names modules built
 * later in the reactor, hence the suppressed warning).
 */
@SuppressWarnings("module")
module dev.dedupguard {
    requires transitive java.sql;
    requires static transitive org.jspecify;

    exports dev.dedupguard;
    exports dev.dedupguard.spi;
    exports dev.dedupguard.internal to dev.dedupguard.jooq, dev.dedupguard.jpa;
}
