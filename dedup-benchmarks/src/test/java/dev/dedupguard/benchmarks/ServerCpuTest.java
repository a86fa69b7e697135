package dev.dedupguard.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The server CPU probe on a process tree of its own whose children burn CPU and exit. */
class ServerCpuTest {

    @Test
    void countsTheCpuOfChildrenThatExitedThroughTheirParent() throws Exception {
        assumeTrue(ServerCpu.procAvailable(), "Linux only");
        // a parent that runs two CPU-bound children one after the other, waits for each, then idles
        Process parent = new ProcessBuilder("sh", "-c", "for n in 1 2; do sh -c 'i=0; while [ $i -lt 400000 ]; do "
                + "i=$((i+1)); done'; done; exec sleep 30").start();
        try {
            ServerCpu cpu = ServerCpu.of(parent.pid(), "test tree");
            long start = cpu.nanos();
            long last = start;
            long liveChildMax = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // until both children are gone, the tree never loses CPU between readings, even when one exits
            while (hasChildren(parent.pid()) || last == start) {
                long now = cpu.nanos();
                assertThat(now).isGreaterThanOrEqualTo(last);
                liveChildMax = Math.max(liveChildMax, now - start);
                last = now;
                assertThat(System.nanoTime()).as("children still running after 60 s").isLessThan(deadline);
                Thread.sleep(5);
            }
            long total = cpu.nanos() - start;
            // both children's CPU, now only in the parent's cutime/cstime, is still counted
            assertThat(total).isGreaterThanOrEqualTo(liveChildMax).isGreaterThan(100_000_000L);
            assertThat(ServerCpu.Stat.read(Path.of("/proc", Long.toString(parent.pid()))).childrenNanos())
                    .isGreaterThan(100_000_000L);
        } finally {
            parent.destroyForcibly();
        }
    }

    @Test
    void sayWhyWhenThereIsNoSuchProcess() {
        ServerCpu cpu = ServerCpu.of(Long.MAX_VALUE, "nothing");
        assertThat(cpu.available()).isFalse();
        assertThat(cpu.nanos()).isEqualTo(-1);
        assertThat(cpu.describe()).startsWith("not measured: no process");
    }

    private static boolean hasChildren(long pid) {
        return ProcessHandle.of(pid).map(h -> h.children().findAny().isPresent()).orElse(false);
    }
}
