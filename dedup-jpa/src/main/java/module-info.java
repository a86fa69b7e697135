/** The Jakarta Persistence (Hibernate ORM) backend of dedup-guard. */
@SuppressWarnings("requires-automatic")
module dev.dedupguard.jpa {
    requires transitive dev.dedupguard;
    requires transitive jakarta.persistence;
    requires dev.dedupguard.jdbc;
    requires org.hibernate.orm.core;
    requires java.naming;
    requires static org.jspecify;

    exports dev.dedupguard.jpa;
    opens dev.dedupguard.jpa to org.hibernate.orm.core;
}
