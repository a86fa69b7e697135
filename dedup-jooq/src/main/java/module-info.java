/** The jOOQ backend of dedup-guard. */
module dev.dedupguard.jooq {
    requires transitive dev.dedupguard;
    requires transitive org.jooq;
    requires dev.dedupguard.jdbc;
    requires static org.jspecify;
    requires static jakarta.xml.bind;

    exports dev.dedupguard.jooq;
}
