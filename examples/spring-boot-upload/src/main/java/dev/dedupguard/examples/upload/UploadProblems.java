package dev.dedupguard.examples.upload;

import dev.dedupguard.LockTimeoutException;
import java.io.Serial;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.multipart.support.MissingServletRequestPartException;

/**
 * Every error the API answers, as a problem detail with a fixed text: a client never sees an exception's message,
 * an entity or attribute name, or its own input echoed. Expected refusals are not logged (they are the client's
 * mistake, answered); only an unexpected failure logs an ERROR line.
 */
@RestControllerAdvice
public class UploadProblems {
    private static final Logger LOG = LoggerFactory.getLogger(UploadProblems.class);

    /** Created by Spring. */
    public UploadProblems() {
    }

    /** A request refused with a fixed text. */
    static final class BadUpload extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        BadUpload(String fixedText) {
            super(fixedText, null, false, false);
        }
    }

    /** A query (the history's parameters) refused with a fixed text. */
    static final class BadQuery extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        BadQuery(String fixedText) {
            super(fixedText, null, false, false);
        }
    }

    /** No file with that id in the case. */
    static final class NoSuchFile extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        NoSuchFile() {
            super("no such file in this case", null, false, false);
        }
    }

    static void requirePositive(long value, String what) {
        if (value < 1) {
            throw new BadUpload("the " + what + " must be a positive whole number");
        }
    }

    private static ProblemDetail problem(HttpStatus status, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(title);
        return problem;
    }

    /**
     * A request the service refuses, with the rule it breaks.
     *
     * @param e the refusal
     * @return 400
     */
    @ExceptionHandler(BadUpload.class)
    public ProblemDetail bad(BadUpload e) {
        return problem(HttpStatus.BAD_REQUEST, "Invalid upload", e.getMessage());
    }

    /**
     * A history query the service refuses, with the rule it breaks.
     *
     * @param e the refusal
     * @return 400
     */
    @ExceptionHandler(BadQuery.class)
    public ProblemDetail badQuery(BadQuery e) {
        return problem(HttpStatus.BAD_REQUEST, "Invalid query", e.getMessage());
    }

    /**
     * A path segment or query parameter that is not a number, such as {@code /cases/abc/files} or
     * {@code ?limit=all}.
     *
     * @param e Spring's conversion failure
     * @return 400 naming the segment or parameter
     */
    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    public ProblemDetail notANumber(MethodArgumentTypeMismatchException e) {
        return switch (e.getName()) {
            case "after" -> problem(HttpStatus.BAD_REQUEST, "Invalid query", CaseHistoryController.AFTER_RULE);
            case "limit" -> problem(HttpStatus.BAD_REQUEST, "Invalid query", CaseHistoryController.LIMIT_RULE);
            default -> problem(HttpStatus.BAD_REQUEST, "Invalid upload", "the " + ("id".equals(e.getName())
                    ? "file id" : "case id") + " must be a positive whole number");
        };
    }

    /**
     * A history query without {@code sha256} or {@code fileName}.
     *
     * @param e Spring's refusal
     * @return 400 naming the parameter (the service's name for it, never the client's input)
     */
    @ExceptionHandler(MissingServletRequestParameterException.class)
    public ProblemDetail missingParameter(MissingServletRequestParameterException e) {
        return problem(HttpStatus.BAD_REQUEST, "Invalid query", "the query parameter " + e.getParameterName()
                + " is missing");
    }

    /**
     * A multipart request without the part {@code file}.
     *
     * @param e Spring's refusal
     * @return 400
     */
    @ExceptionHandler(MissingServletRequestPartException.class)
    public ProblemDetail noFilePart(MissingServletRequestPartException e) {
        return problem(HttpStatus.BAD_REQUEST, "Invalid upload", "the request has no multipart part named 'file'");
    }

    /**
     * A POST that is not multipart/form-data.
     *
     * @param e Spring's refusal
     * @return 415
     */
    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    public ProblemDetail notMultipart(HttpMediaTypeNotSupportedException e) {
        return problem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Not a multipart upload",
                "send the file as multipart/form-data in a part named 'file'");
    }

    /**
     * A method the resource does not have.
     *
     * @param e Spring's refusal
     * @return 405 naming the methods the resource takes
     */
    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    public ProblemDetail wrongMethod(HttpRequestMethodNotSupportedException e) {
        Set<String> methods = new TreeSet<>();
        if (e.getSupportedHttpMethods() != null) {
            e.getSupportedHttpMethods().forEach(m -> methods.add(m.name()));
        }
        return problem(HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed", methods.isEmpty()
                ? "this resource does not take that method" : "this resource takes " + String.join(" and ", methods));
    }

    /**
     * An upload over the configured limits ({@code spring.servlet.multipart.max-file-size}, {@code max-request-size}).
     *
     * @param e Spring's refusal
     * @return 413
     */
    @ExceptionHandler(MaxUploadSizeExceededException.class)
    public ProblemDetail tooLarge(MaxUploadSizeExceededException e) {
        return problem(HttpStatus.CONTENT_TOO_LARGE, "Upload too large",
                "the upload is larger than this service accepts");
    }

    /**
     * A multipart body that cannot be read (malformed, or a part header over {@code server.tomcat.max-part-header-size}).
     *
     * @param e Spring's refusal
     * @return 400
     */
    @ExceptionHandler(MultipartException.class)
    public ProblemDetail unreadable(MultipartException e) {
        return problem(HttpStatus.BAD_REQUEST, "Invalid upload", "the multipart request cannot be read");
    }

    /**
     * No such file in the case.
     *
     * @param e the miss
     * @return 404
     */
    @ExceptionHandler(NoSuchFile.class)
    public ProblemDetail missing(NoSuchFile e) {
        return problem(HttpStatus.NOT_FOUND, "Not found", e.getMessage());
    }

    /**
     * Input the guard refused although the service checked it (a rule of the guard's the service does not repeat).
     *
     * @param e the guard's refusal, whose message names internal fields and is not shown
     * @return 400
     */
    @ExceptionHandler(IllegalArgumentException.class)
    public ProblemDetail refusedByTheGuard(IllegalArgumentException e) {
        return problem(HttpStatus.BAD_REQUEST, "Invalid upload", "the file name or content cannot be registered");
    }

    /**
     * Another upload of the same file held its lock longer than the lock timeout.
     *
     * @param e the timeout
     * @return 503: retry later
     */
    @ExceptionHandler(LockTimeoutException.class)
    public ProblemDetail busy(LockTimeoutException e) {
        return problem(HttpStatus.SERVICE_UNAVAILABLE, "Upload busy",
                "another upload of the same file is still in progress; retry");
    }

    /**
     * Anything else: a fault of the service, logged.
     *
     * @param e the failure
     * @return 500 without details
     */
    @ExceptionHandler(Exception.class)
    public ProblemDetail failed(Exception e) {
        LOG.error("upload failed", e);
        return problem(HttpStatus.INTERNAL_SERVER_ERROR, "Upload failed", "the service could not complete the request");
    }
}
