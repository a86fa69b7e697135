package dev.dedupguard.jpa;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** Other work of the host in the same transaction. */
@Entity
@Table(name = "host_audit")
public class HostAudit {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "note", nullable = false)
    private String note;

    protected HostAudit() {
    }

    public HostAudit(String note) {
        this.note = note;
    }

    public Long getId() {
        return id;
    }
}
