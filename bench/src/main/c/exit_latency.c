/*
 * Exit-detection latency in plain C, the floor for vfork4j's figures on the same machine:
 * N children (vfork + exec), each with a pidfd on one epoll; a second thread waits in
 * epoll_wait and reaps with waitid(P_PIDFD). Prints p50/p90/p99/max in µs.
 *
 *   exit_latency N INTERVAL_US            children are `sleep 600`; the main thread kills
 *                                         child i at start + i * INTERVAL_US with
 *                                         pidfd_send_signal; latency from the kill to the reap
 *   exit_latency N INTERVAL_US EXIT_AT    children are EXIT_AT (exit_at.c), child i ending
 *                                         itself at start + i * INTERVAL_US and recording when;
 *                                         latency from that recorded end to the reap
 *
 * With EXIT_LATENCY_RECORD=FILE in the environment it also writes, for each child, a line
 * "PID FROM DETECTED" (ns on CLOCK_MONOTONIC) to FILE, for ScaleMain's "ends" table.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static int n;
static int *pidfd;
static pid_t *pid;
static long *from, *detected;
static int ep;

static void *loop(void *unused) {
    (void)unused;
    struct epoll_event ev[64];
    int left = n;
    while (left > 0) {
        int c = epoll_wait(ep, ev, 64, -1);
        for (int i = 0; i < c; i++) {
            int id = ev[i].data.u32;
            siginfo_t si;
            waitid(P_PIDFD, pidfd[id], &si, WEXITED | WNOHANG);
            detected[id] = now();
            epoll_ctl(ep, EPOLL_CTL_DEL, pidfd[id], 0);
            close(pidfd[id]);
            left--;
        }
    }
    return 0;
}

static int cmp(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: exit_latency N INTERVAL_US [EXIT_AT]\n");
        return 2;
    }
    n = atoi(argv[1]);
    long iv = atol(argv[2]) * 1000;
    const char *exit_at = argc > 3 ? argv[3] : NULL;
    pidfd = malloc(n * sizeof(int));
    pid = malloc(n * sizeof(pid_t));
    from = calloc(n, sizeof(long));
    detected = malloc(n * sizeof(long));
    ep = epoll_create1(0);
    char record[] = "/tmp/exit_latency-XXXXXX";
    int rfd = -1;
    long first = 0;
    if (exit_at != NULL) {
        rfd = mkstemp(record);
        if (rfd < 0 || ftruncate(rfd, (off_t)n * 8) != 0) {
            perror(record);
            return 1;
        }
        first = now() + n * 1000000L + 1000000000L; /* 1 ms a start planned, plus 1 s */
    }
    for (int i = 0; i < n; i++) {
        char deadline[32], index[16];
        snprintf(deadline, sizeof deadline, "%ld", first + i * iv);
        snprintf(index, sizeof index, "%d", i);
        pid_t p = vfork();
        if (p == 0) {
            if (exit_at != NULL) {
                execl(exit_at, "exit_at", deadline, record, index, (char *)0);
            } else {
                execl("/bin/sleep", "sleep", "600", (char *)0);
            }
            _exit(127);
        }
        pid[i] = p;
        pidfd[i] = syscall(SYS_pidfd_open, p, 0);
        struct epoll_event e = {.events = EPOLLIN, .data.u32 = i};
        epoll_ctl(ep, EPOLL_CTL_ADD, pidfd[i], &e);
    }
    pthread_t t;
    pthread_create(&t, 0, loop, 0);
    if (exit_at == NULL) {
        long start = now() + 10000000;
        for (int i = 0; i < n; i++) {
            long w = start + i * iv - now();
            if (w > 0) {
                struct timespec ts = {w / 1000000000, w % 1000000000};
                nanosleep(&ts, 0);
            }
            from[i] = now();
            syscall(SYS_pidfd_send_signal, pidfd[i], SIGKILL, 0, 0);
        }
    } else if (now() > first) {
        fprintf(stderr, "starting %d children took longer than planned\n", n);
        return 1;
    }
    pthread_join(t, 0);
    if (exit_at != NULL) {
        if (pread(rfd, from, (size_t)n * 8, 0) != (ssize_t)n * 8) {
            perror("pread");
            return 1;
        }
        close(rfd);
        unlink(record);
    }
    const char *rows = getenv("EXIT_LATENCY_RECORD");
    if (rows != NULL) {
        FILE *f = fopen(rows, "w");
        if (f == NULL) {
            perror(rows);
            return 1;
        }
        for (int i = 0; i < n; i++) {
            fprintf(f, "%d %ld %ld\n", (int)pid[i], from[i], detected[i]);
        }
        if (fclose(f) != 0) {
            perror(rows);
            return 1;
        }
    }
    long *l = malloc(n * sizeof(long));
    for (int i = 0; i < n; i++) {
        l[i] = detected[i] - from[i];
    }
    qsort(l, n, sizeof(long), cmp);
    printf("C, %s every %ld us: p50 %ld p90 %ld p99 %ld max %ld us\n", exit_at != NULL ? "an end" : "a kill", iv / 1000,
           l[n / 2] / 1000, l[n * 9 / 10] / 1000, l[n * 99 / 100] / 1000, l[n - 1] / 1000);
    return 0;
}
