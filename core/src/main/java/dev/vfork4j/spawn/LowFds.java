package dev.vfork4j.spawn;

import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.Posix;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Three fd numbers this process keeps from its first spawn on, lent to one spawn at a time to
 * hold the fds its child copies to 0, 1 and 2.
 *
 * <p>Why: the child shares this process's fd table until its first fd step,
 * close_range(bound, ~0, CLOSE_RANGE_UNSHARE), and the kernel copies every fd below
 * {@code bound} into the child's own table (and the child then closes the ones it does not
 * keep). A pipe made for the spawn gets the lowest free numbers, which in a JVM with 10,000
 * open fds are above all of them, so without these slots every child with pipes copied the
 * whole table: 1.15× the spawn time of a JVM with 10 fds. With the pipe ends copied onto low
 * slots for the spawn, {@code bound} stays low.
 *
 * <p>The slots are taken at the first spawn (or by the agent's warm-up at premain), while low
 * numbers are usually still free; a JVM
 * that opens thousands of fds before its first spawn gets high slots, which are used only
 * where they are below the fd they stand in for. Each slot is a copy of one memfd made for
 * this purpose, so before a slot is used its identity (st_dev, st_ino) is checked: if someone
 * closed it and the number now names another file, the set is given up, never written over.
 * Between loans every slot refers to the memfd again, so no pipe end is ever held beyond its
 * spawn. Making the set again is tried at the next spawn when it could not be made (EMFILE).
 *
 * <p>One set, lent to one spawn at a time: a spawn that finds it lent goes without (its child
 * copies up to its own fds, as before).
 *
 * <p>Only fds from {@link #WORTH_LENDING} up are worth a slot: below it the child's copy fits
 * the table the kernel embeds in every process's files_struct (NR_OPEN_DEFAULT, 64 on a 64-bit
 * kernel), so it costs a reference count per open fd, less than the fstat and two dup3 calls
 * of a loan, which the spawning thread pays before and after each clone.
 */
final class LowFds {
    private LowFds() {}

    static final int SLOTS = 3;
    /** The lowest fd a slot is lent for: see the class comment. */
    private static final int WORTH_LENDING = 64;

    private record Set(int memfd, int[] slots, long dev, long ino) {}

    /** The set; null until one could be made, and again after it was given up. */
    private static volatile Set set;
    private static final AtomicBoolean LENT = new AtomicBoolean();

    /** The set for one spawn, or an empty loan when none can be had; close it after the clone. */
    static Loan borrow() {
        if (!LENT.compareAndSet(false, true)) {
            return new Loan(null);
        }
        Set s = set;
        if (s == null) {
            s = make();
        }
        if (s == null) {
            LENT.set(false);
            return new Loan(null);
        }
        return new Loan(s);
    }

    /**
     * Takes the slots now, if they are not taken yet and no spawn holds the loan: for code that
     * knows it runs early in a JVM's life (the agent's warm-up at premain), before the
     * application opens its fds. Never throws; a failure leaves it to the first spawn.
     */
    static void reserve() {
        if (set == null && LENT.compareAndSet(false, true)) {
            try {
                if (set == null) {
                    make();
                }
            } catch (RuntimeException | LinkageError e) {
                // no native access or no such syscall here: the first spawn finds out and says so
            } finally {
                LENT.set(false);
            }
        }
    }

    /** Called with the loan held, so never by two threads at once. */
    private static Set make() {
        int memfd;
        try {
            memfd = Posix.memfdCreate("vfork4j-fd-slot");
        } catch (ErrnoException e) {
            return null; // EMFILE, ENFILE, ENOMEM: tried again at the next spawn
        }
        int[] slots = new int[SLOTS];
        int made = 0;
        try {
            for (; made < SLOTS; made++) {
                slots[made] = Posix.dupCloexec(memfd, 3);
            }
            long[] id = Posix.fileIdentity(memfd);
            Set s = new Set(memfd, slots, id[0], id[1]);
            set = s;
            return s;
        } catch (ErrnoException e) {
            for (int i = 0; i < made; i++) {
                Posix.close(slots[i]);
            }
            Posix.close(memfd);
            return null;
        }
    }

    /** Gives the set up: closes the slots still ours and forgets the rest (no longer ours to close). */
    private static void giveUp(Set s, int[] holding) {
        set = null;
        for (int i = 0; i < SLOTS; i++) {
            if (holding[i] < 0 && isOurs(s, s.slots[i])) {
                Posix.close(s.slots[i]);
            }
        }
        if (isOurs(s, s.memfd)) {
            Posix.close(s.memfd);
        }
    }

    private static boolean isOurs(Set s, int fd) {
        try {
            long[] id = Posix.fileIdentity(fd);
            return id[0] == s.dev && id[1] == s.ino;
        } catch (ErrnoException e) {
            return false;
        }
    }

    /** One spawn's use of the set. Not thread-safe: it belongs to the spawning thread. */
    static final class Loan implements AutoCloseable {
        private final Set set;
        /** For each slot, the fd it holds a copy of, or -1 while it refers to the memfd. */
        private final int[] holding = new int[SLOTS];
        private boolean lost;

        private Loan(Set set) {
            this.set = set;
            Arrays.fill(holding, -1);
        }

        /**
         * Copies {@code source} onto a slot above {@code maxTarget} (the highest fd number the
         * child is given) that lowers what the child copies: a slot below {@code source}, or any
         * slot above maxTarget when source is itself at or below it and must move anyway. Not
         * for a source below {@link #WORTH_LENDING}, whose copy costs the child less than the loan.
         *
         * @return the slot now holding {@code source}, or -1 when no slot fits or none is worth
         *     it (the caller goes on without one)
         */
        int place(int source, int maxTarget) {
            if (set == null || lost || source < WORTH_LENDING) {
                return -1;
            }
            for (int i = 0; i < SLOTS; i++) {
                if (holding[i] == source) {
                    return set.slots[i];
                }
            }
            for (int i = 0; i < SLOTS; i++) {
                int slot = set.slots[i];
                if (holding[i] >= 0 || slot <= maxTarget || (source > maxTarget && slot >= source)) {
                    continue;
                }
                if (!isOurs(set, slot)) {
                    lost = true; // closed behind this library's back; the number may be someone else's now
                    return -1;
                }
                try {
                    Posix.dup3Cloexec(source, slot);
                } catch (ErrnoException e) {
                    return -1;
                }
                holding[i] = source;
                return slot;
            }
            return -1;
        }

        private boolean used() {
            for (int h : holding) {
                if (h >= 0) {
                    return true;
                }
            }
            return false;
        }

        /** Points every slot used back at the memfd (so no pipe end outlives the spawn) and returns the set. */
        @Override
        public void close() {
            if (set == null) {
                return;
            }
            try {
                boolean memfdOurs = !used() || isOurs(set, set.memfd);
                for (int i = 0; i < SLOTS; i++) {
                    if (holding[i] >= 0 && !memfdOurs) {
                        Posix.close(set.slots[i]); // never copy whatever now has the memfd's number
                        lost = true;
                    } else if (holding[i] >= 0) {
                        try {
                            Posix.dup3Cloexec(set.memfd, set.slots[i]);
                            holding[i] = -1;
                        } catch (ErrnoException e) {
                            Posix.close(set.slots[i]); // the fd it held must not stay open here
                            lost = true;
                        }
                    }
                }
                if (lost) {
                    giveUp(set, holding);
                }
            } finally {
                LENT.set(false); // whatever happened above, the next spawn may borrow (or make) a set
            }
        }
    }
}
