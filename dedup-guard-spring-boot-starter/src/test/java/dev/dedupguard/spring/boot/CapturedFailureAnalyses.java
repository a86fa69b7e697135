package dev.dedupguard.spring.boot;

import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalysisReporter;

/**
 * A {@link FailureAnalysisReporter} (registered in the tests' {@code META-INF/spring.factories}) that keeps what Spring
 * Boot would print after "APPLICATION FAILED TO START", for the tests to assert.
 */
public final class CapturedFailureAnalyses implements FailureAnalysisReporter {
    private static final List<FailureAnalysis> REPORTED = new ArrayList<>();

    @Override
    public void report(FailureAnalysis analysis) {
        synchronized (REPORTED) {
            REPORTED.add(analysis);
        }
    }

    /** Forgets what was reported so far. */
    static void clear() {
        synchronized (REPORTED) {
            REPORTED.clear();
        }
    }

    /** What was reported since {@link #clear()}. */
    static List<FailureAnalysis> reported() {
        synchronized (REPORTED) {
            return List.copyOf(REPORTED);
        }
    }
}
