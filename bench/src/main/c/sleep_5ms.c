/*
 * The child that runs 5 ms, for the wait suite (bench/run.sh wait): it sleeps 5 ms on
 * CLOCK_MONOTONIC and exits 0. vfork4j, the JDK and the C loop (vfork_loop --child) all start
 * this same binary, so each side of a ratio waits for the same child.
 *
 * Why not /bin/sleep 0.005: coreutils' sleep is dynamically linked and sets up its locale and
 * parses its argument as a floating-point number before it sleeps, so it runs 5 ms plus a
 * start-up of a few hundred µs that moves with the machine's phase (the dynamic loader, the
 * page cache). This program is linked statically (run-c-baseline.sh falls back to a dynamic
 * link when no static libc is installed, and says so): between its execve and its exit there
 * is little more than the sleep, so what a benchmark measures beyond 5 ms is the spawn and the
 * wait. It sleeps rather than spins so that, on a machine with few CPUs, it leaves the CPU to
 * the parent, whose wait is what is measured: the parent must block and be woken at the exit,
 * well after any brief polling window.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <time.h>

int main(void) {
    struct timespec until;
    if (clock_gettime(CLOCK_MONOTONIC, &until) != 0) {
        return 1;
    }
    until.tv_nsec += 5 * 1000 * 1000;
    if (until.tv_nsec >= 1000 * 1000 * 1000) {
        until.tv_nsec -= 1000 * 1000 * 1000;
        until.tv_sec++;
    }
    /* An absolute deadline: a signal that interrupts the sleep does not lengthen it. */
    int err;
    while ((err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL)) == EINTR) {
    }
    return err == 0 ? 0 : 1;
}
