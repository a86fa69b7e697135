package dev.dedupguard.spring.boot.jpa;

import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** The caller's other work in a transaction. */
@Entity
@Table(name = "sb_audit")
public class AuditEntry {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    private String note;

    protected AuditEntry() {
    }

    public AuditEntry(String note) {
        this.note = note;
    }
}
