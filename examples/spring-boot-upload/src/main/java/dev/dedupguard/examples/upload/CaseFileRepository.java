package dev.dedupguard.examples.upload;

import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;

/** Reads the files of a case. Registration goes through the guard, never through {@code save}. */
public interface CaseFileRepository extends JpaRepository<CaseFile, Long> {
    /**
     * The files of one case.
     *
     * @param caseId the case
     * @return its files, oldest first
     */
    List<CaseFile> findByCaseIdOrderById(long caseId);

    /**
     * One file of one case.
     *
     * @param id the file's id
     * @param caseId the case it must belong to
     * @return the file, or empty if the case has no file with that id
     */
    Optional<CaseFile> findByIdAndCaseId(long id, long caseId);
}
