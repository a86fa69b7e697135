package dev.dedupguard.benchmarks;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The CPU time a database server process and all its descendants have used, read from Linux's {@code /proc}: for
 * PostgreSQL the postmaster and every backend and auxiliary process under it, for MariaDB the {@code mariadbd}
 * process (one process, many threads). Two readings around a measurement give the server's CPU for it.
 *
 * <p>What a reading counts, for every process in the tree: user + system time of all its threads, live and exited
 * ({@code utime + stime} of {@code /proc/<pid>/stat}), and the user + system time of its children that exited and
 * were waited for ({@code cutime + cstime}): a backend that ends during a measurement keeps its CPU, because the
 * postmaster waits for it and the kernel moves the child's whole time into the postmaster's {@code cutime/cstime}.
 * For a single-threaded process (every PostgreSQL process) the live part is read in nanoseconds from
 * {@code /proc/<pid>/schedstat} (the kernel's {@code sum_exec_runtime}, the figure {@code utime + stime} are scaled
 * to); for a multi-threaded one (MariaDB) from {@code /proc/<pid>/stat} in clock ticks ({@value #TICK_NANOS} ns
 * each, assuming the usual {@code USER_HZ} of 100), so a reading there is exact to one tick per process.
 *
 * <p>What it does not count: kernel work charged to no process of the tree (interrupts, and network soft-interrupt
 * processing, charged to whichever task was on the CPU: for loopback traffic often the client), a descendant that
 * leaves the tree while running (no PostgreSQL or MariaDB process does), and any process outside the tree (the
 * client JVM, and the delaying proxy in it).
 *
 * <p>A reading lists the tree twice and retries if a process started or ended in between, so that no process is
 * counted both live and in its parent's {@code cutime}, nor in neither. Linux only: {@link #unavailable} elsewhere or
 * when the server is not a process of this machine. Thread-safe.
 */
final class ServerCpu {
    /** One clock tick of {@code /proc/<pid>/stat}, in nanoseconds ({@code USER_HZ} = 100). */
    static final long TICK_NANOS = 10_000_000L;
    private static final Path PROC = Path.of("/proc");

    private final long root;
    private final String what;
    private final String whyNot;

    private ServerCpu(long root, String what, String whyNot) {
        this.root = root;
        this.what = what;
        this.whyNot = whyNot;
    }

    /** Readings of the process tree under {@code root}; {@code what} says which server it is, for the report. */
    static ServerCpu of(long root, String what) {
        if (!Files.isReadable(PROC.resolve(Long.toString(root)).resolve("stat"))) {
            return unavailable("no process " + root + " in /proc on this machine (" + what + ")");
        }
        return new ServerCpu(root, what, null);
    }

    /** A probe that measures nothing, and says why. */
    static ServerCpu unavailable(String why) {
        return new ServerCpu(-1, null, why);
    }

    boolean available() {
        return whyNot == null;
    }

    /** What is measured (the root process and how its tree is counted), or why nothing is. */
    String describe() {
        return available() ? what + ": process " + root + " and its descendants, from /proc (user + system time; "
                + "exited children through their parent's cutime/cstime)" : "not measured: " + whyNot;
    }

    /** The tree's CPU time so far in nanoseconds, or -1 if not {@link #available()} or the root process is gone. */
    long nanos() {
        if (!available()) {
            return -1;
        }
        for (int attempt = 0; attempt < 10; attempt++) {
            try {
                Map<Long, Stat> all = scan();
                Set<Long> tree = descendants(all, root);
                if (tree.isEmpty()) {
                    return -1;
                }
                long sum = 0;
                for (long pid : tree) {
                    sum += all.get(pid).nanos();
                }
                if (tree.equals(descendants(scan(), root))) {
                    return sum;
                }
            } catch (IOException e) {
                // a process ended while being read: list again
            }
        }
        throw new IllegalStateException("the process tree under " + root + " kept changing while being read");
    }

    /** {@code root} and every process below it, by parent pid. */
    private static Set<Long> descendants(Map<Long, Stat> all, long root) {
        Set<Long> tree = new TreeSet<>();
        if (!all.containsKey(root)) {
            return tree;
        }
        Map<Long, List<Long>> children = new HashMap<>();
        all.values().forEach(s -> children.computeIfAbsent(s.ppid, k -> new ArrayList<>()).add(s.pid));
        List<Long> todo = new ArrayList<>(List.of(root));
        while (!todo.isEmpty()) {
            long pid = todo.remove(todo.size() - 1);
            if (tree.add(pid)) {
                todo.addAll(children.getOrDefault(pid, List.of()));
            }
        }
        return tree;
    }

    /** Every process of the machine; a process that ends while listed is left out (the caller lists again). */
    private static Map<Long, Stat> scan() throws IOException {
        Map<Long, Stat> all = new HashMap<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC, p -> isNumber(p.getFileName().toString()))) {
            for (Path dir : dirs) {
                try {
                    Stat s = Stat.read(dir);
                    all.put(s.pid, s);
                } catch (NoSuchFileException e) {
                    // gone meanwhile
                }
            }
        }
        return all;
    }

    private static boolean isNumber(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    /** The fields of {@code /proc/<pid>/stat} this class uses, and the live time from {@code schedstat}. */
    record Stat(long pid, long ppid, long liveNanos, long childrenNanos) {
        long nanos() {
            return liveNanos + childrenNanos;
        }

        static Stat read(Path dir) throws IOException {
            String line = Files.readString(dir.resolve("stat"));
            // the command name may hold spaces and parentheses: the fields start after the last ')'
            String[] f = line.substring(line.lastIndexOf(')') + 2).trim().split(" ");
            long pid = Long.parseLong(line.substring(0, line.indexOf(' ')));
            long ppid = Long.parseLong(f[1]);
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            long childTicks = Long.parseLong(f[13]) + Long.parseLong(f[14]);
            long threads = Long.parseLong(f[17]);
            long live = ticks * TICK_NANOS;
            if (threads == 1) {
                Path schedstat = dir.resolve("schedstat");
                if (Files.isReadable(schedstat)) {
                    String first = Files.readString(schedstat).trim().split(" ")[0];
                    // a process that once had more threads keeps their time in stat only
                    live = Math.max(live, Long.parseLong(first));
                }
            }
            return new Stat(pid, ppid, live, childTicks * TICK_NANOS);
        }
    }

    /** Whether this machine has {@code /proc} with process status (Linux). */
    static boolean procAvailable() {
        return Files.isReadable(PROC.resolve("self").resolve("stat"));
    }
}
