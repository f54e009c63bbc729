/*
 * The C baseline for SpawnBenchmark: how long one spawn + wait of /bin/true takes with no
 * JVM in the way. Each iteration creates the child, execs /bin/true (stdio inherited) and
 * reaps it with waitpid; each is timed on CLOCK_MONOTONIC, and the mean, median and spread
 * are printed in microseconds.
 *
 *   vfork_loop [iterations] [vfork|posix_spawn|fork]      (defaults: 5000 vfork)
 *
 * vfork is the subject. posix_spawn (glibc's is a CLONE_VM | CLONE_VFORK clone) is the floor
 * for vfork4j's POSIX_SPAWN mechanism, and fork shows what copying the parent's page tables
 * costs: little here, since this parent is tiny, unlike a JVM.
 *
 * A tenth of the iterations (at least 10) run first, untimed, to warm the page cache and the
 * dynamic loader's caches for /bin/true.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char PROGRAM[] = "/bin/true";

enum way { WAY_VFORK, WAY_POSIX_SPAWN, WAY_FORK };

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Starts /bin/true the given way and returns its pid; exits the process on failure. */
static pid_t spawn(enum way way, char *const argv[]) {
    pid_t pid;
    switch (way) {
    case WAY_VFORK:
        pid = vfork();
        if (pid == 0) {
            /* In the child, on the parent's memory and stack: only execve or _exit. */
            execve(PROGRAM, argv, environ);
            _exit(127);
        }
        break;
    case WAY_FORK:
        pid = fork();
        if (pid == 0) {
            execve(PROGRAM, argv, environ);
            _exit(127);
        }
        break;
    case WAY_POSIX_SPAWN: {
        int err = posix_spawn(&pid, PROGRAM, NULL, NULL, argv, environ);
        if (err != 0) {
            fprintf(stderr, "posix_spawn(%s): %s\n", PROGRAM, strerror(err));
            exit(1);
        }
        break;
    }
    default:
        abort();
    }
    if (pid < 0) {
        perror(way == WAY_VFORK ? "vfork" : "fork");
        exit(1);
    }
    return pid;
}

static void reap(pid_t pid) {
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            perror("waitpid");
            exit(1);
        }
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s did not exit with 0 (wait status 0x%x)\n", PROGRAM, status);
        exit(1);
    }
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-quantile (0..1) of the sorted array v of n values, nearest rank. */
static double quantile(const double *v, long n, double p) {
    long i = (long)(p * (n - 1) + 0.5);
    return v[i];
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 5000;
    const char *name = argc > 2 ? argv[2] : "vfork";
    enum way way;
    if (strcmp(name, "vfork") == 0) {
        way = WAY_VFORK;
    } else if (strcmp(name, "posix_spawn") == 0) {
        way = WAY_POSIX_SPAWN;
    } else if (strcmp(name, "fork") == 0) {
        way = WAY_FORK;
    } else {
        fprintf(stderr, "usage: %s [iterations] [vfork|posix_spawn|fork]\n", argv[0]);
        return 2;
    }
    if (n < 1) {
        fprintf(stderr, "iterations must be at least 1, got %s\n", argv[1]);
        return 2;
    }

    char *child_argv[] = {(char *)PROGRAM, NULL};
    long warmup = n / 10 > 10 ? n / 10 : 10;
    for (long i = 0; i < warmup; i++) {
        reap(spawn(way, child_argv));
    }

    double *took = malloc(n * sizeof *took);
    if (took == NULL) {
        perror("malloc");
        return 1;
    }
    double sum = 0;
    for (long i = 0; i < n; i++) {
        double start = now_us();
        reap(spawn(way, child_argv));
        took[i] = now_us() - start;
        sum += took[i];
    }
    qsort(took, n, sizeof *took, by_value);

    printf("%-11s n=%ld  mean %.1f us  median %.1f us  p10 %.1f  p90 %.1f  p99 %.1f  min %.1f  max %.1f\n",
           name, n, sum / n, quantile(took, n, 0.5), quantile(took, n, 0.1), quantile(took, n, 0.9),
           quantile(took, n, 0.99), took[0], took[n - 1]);
    free(took);
    return 0;
}
