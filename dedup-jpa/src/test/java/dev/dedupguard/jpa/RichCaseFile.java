package dev.dedupguard.jpa;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Embeddable;
import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.PostPersist;
import jakarta.persistence.PrePersist;
import jakarta.persistence.Table;
import jakarta.persistence.Transient;
import jakarta.persistence.UniqueConstraint;
import jakarta.persistence.Version;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.Locale;

/**
 * A host entity with every kind of column the native insert binds through Hibernate: an Integer identity id, an Integer
 * version, enums by name and by ordinal, a converter, java.time values, an embeddable, a many-to-one, a column that
 * is not insertable (database default), and {@code @PrePersist} and {@code @PostPersist} callbacks.
 */
@Entity
@Table(name = "case_file_rich", uniqueConstraints = @UniqueConstraint(name = "uq_case_file_rich",
        columnNames = {"case_id", "file_hash", "original_filename"}))
public class RichCaseFile {
    /** A kind of evidence. */
    public enum Kind { DISK_IMAGE, EVENT_LOG, MEMORY_DUMP }

    /** Stores a label in upper case. */
    public static final class UpperCase implements AttributeConverter<String, String> {
        @Override
        public String convertToDatabaseColumn(String attribute) {
            return attribute == null ? null : attribute.toUpperCase(Locale.ROOT);
        }

        @Override
        public String convertToEntityAttribute(String dbData) {
            return dbData;
        }
    }

    /** Where the file came from. */
    @Embeddable
    public static class Origin {
        @Column(name = "origin_host")
        private String host;
        @Column(name = "origin_port")
        private Integer port;

        protected Origin() {
        }

        public Origin(String host, Integer port) {
            this.host = host;
            this.port = port;
        }
    }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Integer id;

    @Version
    private Integer version;

    @Column(name = "case_id", nullable = false)
    private Long caseId;

    @Column(name = "file_hash", nullable = false, length = 64)
    private String fileHash;

    @Column(name = "original_filename", nullable = false)
    private String originalFilename;

    @Enumerated(EnumType.STRING)
    @Column(name = "kind")
    private Kind kind;

    @Enumerated(EnumType.ORDINAL)
    @Column(name = "priority")
    private Kind priority;

    @Convert(converter = UpperCase.class)
    @Column(name = "label")
    private String label;

    @Column(name = "received_at")
    private OffsetDateTime receivedAt;

    @Column(name = "taken_on")
    private LocalDate takenOn;

    @Embedded
    private Origin origin;

    @ManyToOne
    @JoinColumn(name = "audit_id")
    private HostAudit audit;

    @Column(name = "db_default", insertable = false, updatable = false)
    private String dbDefault;

    @Transient
    private int prePersistCalls;
    @Transient
    private int postPersistCalls;
    @Transient
    private boolean refusedAfterInsert;

    protected RichCaseFile() {
    }

    public RichCaseFile(long caseId, String fileHash, String originalFilename, Kind kind, String label,
            OffsetDateTime receivedAt, LocalDate takenOn, Origin origin, HostAudit audit) {
        this.caseId = caseId;
        this.fileHash = fileHash;
        this.originalFilename = originalFilename;
        this.kind = kind;
        this.priority = kind;
        this.label = label;
        this.receivedAt = receivedAt;
        this.takenOn = takenOn;
        this.origin = origin;
        this.audit = audit;
    }

    @PrePersist
    void beforeInsert() {
        prePersistCalls++;
    }

    @PostPersist
    void afterInsert() {
        postPersistCalls++;
        if (refusedAfterInsert) {
            throw new IllegalStateException("refused by @PostPersist");
        }
    }

    /** Makes the {@code @PostPersist} callback throw. */
    public void refuseAfterInsert() {
        refusedAfterInsert = true;
    }

    public int getPostPersistCalls() {
        return postPersistCalls;
    }

    public Integer getId() {
        return id;
    }

    public Integer getVersion() {
        return version;
    }

    public int getPrePersistCalls() {
        return prePersistCalls;
    }
}
