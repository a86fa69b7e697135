package dev.dedupguard.examples.upload;

import dev.dedupguard.Attempt;
import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The chain of custody of a case, from the guard's attempt log: every upload attempt, who made it under which upload
 * id, and what the service answered, as the database recorded it in the upload's own transaction. Only callers with
 * access to the case get here ({@link SecurityConfiguration}); uploads refused before they reach the guard (no
 * access, a bad name) are not in it.
 *
 * <ul>
 *   <li>{@code GET /cases/{caseId}/files/history?sha256=...&fileName=...}: the attempts at one file of the case (its
 *       content's hash and its name, as an upload's answer shows them);</li>
 *   <li>{@code GET /cases/{caseId}/history}: every attempt in the case.</li>
 * </ul>
 * Both answer a JSON array of {@link AttemptView}s, oldest first, at most {@code limit} (default
 * {@value #DEFAULT_LIMIT}, at most {@value #MAX_LIMIT}) with a {@code sequence} above {@code after} (default 0): for
 * the next page, pass the last {@code sequence} as {@code after}; a page shorter than {@code limit} is the last.
 */
@RestController
@RequestMapping("/cases/{caseId}")
public class CaseHistoryController {
    /** The page size unless {@code limit} is given. */
    static final int DEFAULT_LIMIT = 100;
    /** The largest page. */
    static final int MAX_LIMIT = 1000;
    /** The rule for {@code after}, as a 400 states it. */
    static final String AFTER_RULE = "after must be 0 or the sequence of an attempt";
    /** The rule for {@code limit}, as a 400 states it. */
    static final String LIMIT_RULE = "limit must be a whole number between 1 and " + MAX_LIMIT;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

    private final DuplicateGuard<CaseFile> guard;
    private final UploadProperties properties;

    /**
     * The controller.
     *
     * @param guard the auto-configured guard, which keeps the attempt log
     * @param properties the service's limits
     */
    public CaseHistoryController(DuplicateGuard<CaseFile> guard, UploadProperties properties) {
        this.guard = guard;
        this.properties = properties;
    }

    /**
     * One upload attempt as the API shows it.
     *
     * @param sequence the attempt's position in the log; the {@code after} of the next page
     * @param outcome {@code NEW}, {@code DUPLICATE}, or {@code REFUSED} (the upload failed after it reached the
     *     database, e.g. on a lock timeout)
     * @param refusal for {@code REFUSED}, the kind of failure (the exception's simple name); otherwise {@code null}
     * @param storedId the id of the case's file the answer named (the new one, or the one stored earlier); {@code null}
     *     for {@code REFUSED}
     * @param sha256 the uploaded content's hash
     * @param fileName the name as the upload gave it
     * @param displayName the name with invisible and direction-changing characters escaped, for showing to people
     * @param actor the user who uploaded
     * @param reference the upload's id ({@code Upload-Id} of its answer)
     * @param recordedAt when, by the database's clock
     */
    public record AttemptView(long sequence, Attempt.Outcome outcome, String refusal, Long storedId, String sha256,
            String fileName, String displayName, String actor, String reference, Instant recordedAt) {
        static AttemptView of(Attempt a) {
            return new AttemptView(a.sequence(), a.outcome(), a.refusal(), a.storedId(), a.key().contentHash(),
                    a.key().fileName(), UploadNames.display(a.key().fileName()), a.actor(), a.reference(),
                    a.recordedAt());
        }
    }

    /**
     * The attempts at one file of a case.
     *
     * @param caseId the case, a positive number
     * @param sha256 the content's SHA-256, 64 hex digits
     * @param fileName the file's name as uploaded
     * @param after the {@code sequence} of the last attempt of the previous page; 0 for the first page
     * @param limit the most attempts to return, 1 to {@value #MAX_LIMIT}
     * @return the attempts, oldest first
     */
    @GetMapping("/files/history")
    public List<AttemptView> fileHistory(@PathVariable("caseId") long caseId, @RequestParam("sha256") String sha256,
            @RequestParam("fileName") String fileName, @RequestParam(name = "after", defaultValue = "0") long after,
            @RequestParam(name = "limit", defaultValue = "" + DEFAULT_LIMIT) int limit) {
        UploadProblems.requirePositive(caseId, "case id");
        if (!SHA256.matcher(sha256).matches()) {
            throw new UploadProblems.BadQuery("sha256 must be the 64 hex digits of a SHA-256");
        }
        if (fileName.isBlank()) {
            throw new UploadProblems.BadQuery("fileName must not be blank");
        }
        String problem = UploadNames.problem(fileName, properties.maxFileNameBytes());
        if (problem != null) {
            throw new UploadProblems.BadQuery(problem);
        }
        checkPage(after, limit);
        FileKey key = FileKey.of(Long.toString(caseId), sha256.toLowerCase(Locale.ROOT), fileName);
        return guard.history(key, after, limit).stream().map(AttemptView::of).toList();
    }

    /**
     * Every attempt in a case.
     *
     * @param caseId the case, a positive number
     * @param after the {@code sequence} of the last attempt of the previous page; 0 for the first page
     * @param limit the most attempts to return, 1 to {@value #MAX_LIMIT}
     * @return the attempts, oldest first
     */
    @GetMapping("/history")
    public List<AttemptView> caseHistory(@PathVariable("caseId") long caseId,
            @RequestParam(name = "after", defaultValue = "0") long after,
            @RequestParam(name = "limit", defaultValue = "" + DEFAULT_LIMIT) int limit) {
        UploadProblems.requirePositive(caseId, "case id");
        checkPage(after, limit);
        return guard.history(Long.toString(caseId), after, limit).stream().map(AttemptView::of).toList();
    }

    private static void checkPage(long after, int limit) {
        if (after < 0) {
            throw new UploadProblems.BadQuery(AFTER_RULE);
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new UploadProblems.BadQuery(LIMIT_RULE);
        }
    }
}
