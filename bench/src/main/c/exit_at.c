/*
 * A child that ends at a given instant and records when it ended, for the exit-detection
 * figure of issue 4 (ScaleMain "ends", exit_latency "self"): it opens FILE, sleeps until
 * DEADLINE_NS on CLOCK_MONOTONIC (absolute, as System.nanoTime counts), reads the clock
 * again, writes that instant (8 bytes, native order) at offset 8 × INDEX of FILE, and calls
 * _exit(0). The time from that instant to the parent's noticing the exit is the latency of
 * exit detection alone: unlike a kill, it leaves out how long a killed process takes to be
 * scheduled and die.
 *
 *   exit_at DEADLINE_NS FILE INDEX
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: exit_at DEADLINE_NS FILE INDEX\n");
        return 2;
    }
    long long deadline = atoll(argv[1]);
    long long index = atoll(argv[3]);
    int fd = open(argv[2], O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        perror(argv[2]);
        return 1;
    }
    struct timespec at = {.tv_sec = deadline / 1000000000LL, .tv_nsec = deadline % 1000000000LL};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) != 0) {
        /* EINTR: sleep on */
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long ended = now.tv_sec * 1000000000LL + now.tv_nsec;
    if (pwrite(fd, &ended, sizeof ended, index * (long long)sizeof ended) != sizeof ended) {
        perror("pwrite");
        return 1;
    }
    _exit(0);
}
