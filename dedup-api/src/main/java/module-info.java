/**
 * The dedup-guard API, the strategies, and the storage port that backends implement ({@code dev.dedupguard.spi}, whose
 * {@link dev.dedupguard.spi.Guards} turns a backend into a guard). The engine in {@code dev.dedupguard.internal} is not
 * exported: the project's own backends reach it through the port, as any other backend does.
 */
module dev.dedupguard {
    requires transitive java.sql;
    requires static transitive org.jspecify;

    exports dev.dedupguard;
    exports dev.dedupguard.spi;
}
