/*
 * The C baseline for SpawnBenchmark: how long one spawn + wait of /bin/true takes with no
 * JVM in the way. Each iteration creates the child, execs /bin/true (stdio inherited) and
 * reaps it with waitpid; each is timed on CLOCK_MONOTONIC, and the mean, median and spread
 * are printed in microseconds, with the median time until the spawn call returned (for vfork:
 * once the child has exec'd) to set beside SpawnPhases.
 *
 *   vfork_loop [iterations] [way] [--fds N] [--samples FILE] [--child PROGRAM [ARG...]]
 *                                                         (defaults: 5000 vfork, no fds)
 *
 * --fds N opens /dev/null N times first, without O_CLOEXEC, as a JVM's FileInputStream does:
 * the kernel then copies an fd table of N entries at each clone, and /bin/true inherits
 * them and closes them at its exit. It is the floor for a JVM parent with N fds open.
 * --samples FILE appends every timed sample (µs, one a line) to FILE, so that runs can be
 * merged into one distribution (VforkVersusCBenchmark and WaitVersusCBenchmark do so, between
 * JMH iterations).
 * --child PROGRAM [ARG...], last on the line, runs PROGRAM with those arguments instead of
 * /bin/true (an absolute path: it is passed to execve as it is). The wait suite runs
 * target/sleep_5ms, a child that sleeps 5 ms, so that the parent waits well beyond its first
 * poll (sleep_5ms.c says why not /bin/sleep). Every way checks that the child exits with 0.
 *
 * vfork is the subject. posix_spawn (glibc's is a CLONE_VM | CLONE_VFORK clone) is the floor
 * for vfork4j's POSIX_SPAWN mechanism, and fork shows what copying the parent's page tables
 * costs: little here, since this parent is tiny, unlike a JVM.
 *
 * Two more ways matter only with --fds, and show where the cost of a parent's open fds goes:
 * vfork_close_range is vfork whose child calls close_range(3, ~0U, 0) before execve, as
 * vfork4j's VFORK child does (the kernel copies the fd table at the clone, the child then
 * closes every copy). clone_files is clone(CLONE_VM | CLONE_VFORK | CLONE_FILES) whose child
 * calls close_range(3, ~0U, CLOSE_RANGE_UNSHARE): the child starts on the parent's table and
 * unshares only fds 0-2, so nothing is copied and nothing is closed, however many are open.
 *
 * vfork4j is what vfork4j's VFORK mechanism asks of the kernel, in C, to tell the cost of that
 * design from the cost of the JVM: every signal blocked around clone(CLONE_VM | CLONE_VFORK |
 * CLONE_FILES | CLONE_PIDFD); the child unshares its fd table (close_range UNSHARE), empties its
 * signal mask, sets every signal not ignored when the loop started (and SIGPIPE) to SIG_DFL, as
 * SignalDefaults has it since issue 12 (62 rt_sigaction calls here), and execs; the parent polls the pidfd for up to 2 ms, reaps through
 * waitid(P_PIDFD) and closes it, while a second thread sits in epoll_wait as vfork4j's event
 * loop does. The pidfd is not in that thread's epoll set: vfork4j watches a pidfd only when
 * asked, or at a sweep 1 ms after the spawn, which finds a child reaped by a waiting thread
 * already. vfork4j_masked shows why: the pidfd is added to the set at the spawn and its events
 * masked (EPOLL_CTL_MOD, events 0) while the parent polls, then removed. The kernel wakes a
 * pidfd's waiters with no event mask, so the exit still wakes the loop thread on the other
 * CPU, before the parent, and every spawn + wait pays for it. (CLONE_CLEAR_SIGHAND needs
 * clone3, which glibc does not wrap; this child has no handlers to clear.)
 *
 * posix_spawn_pipes is the C counterpart of vfork4j's output(): stdin from /dev/null, stdout
 * and stderr each a pipe (made with O_CLOEXEC; the file actions dup2 the write ends onto 1
 * and 2 and open /dev/null as 0; the parent closes its copies of the write ends once the
 * child has exec'd), both read to end of file with poll and kept in memory, then waitpid.
 * The summary line adds what the last child wrote to each (bytes).
 *
 * A tenth of the iterations (at least 10) run first, untimed, to warm the page cache and the
 * dynamic loader's caches for /bin/true.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/close_range.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <fcntl.h>
#include <stdint.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* The child: /bin/true unless --child names another program. */
static const char *program = "/bin/true";

enum way {
    WAY_VFORK,
    WAY_VFORK_CLOSE_RANGE,
    WAY_CLONE_FILES,
    WAY_POSIX_SPAWN,
    WAY_FORK,
    WAY_VFORK4J,
    WAY_VFORK4J_MASKED,
    WAY_POSIX_SPAWN_PIPES
};

static const char *const WAYS[] = {"vfork",   "vfork_close_range", "clone_files",   "posix_spawn",
                                   "fork",    "vfork4j",           "vfork4j_masked", "posix_spawn_pipes"};

/* The stack of a clone_files child, which runs on it only until its execve. */
static char clone_stack[64 * 1024] __attribute__((aligned(16)));

static int clone_files_child(void *argv) {
    /* The table is the parent's (CLONE_FILES): unshare it, keeping 0-2 only, before anything else. */
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_UNSHARE) != 0) {
        _exit(126);
    }
    execve(program, argv, environ);
    _exit(127);
}

/* The vfork4j ways: the epoll set a second thread waits on, and the pidfd of the child being waited for. */
static int epoll_fd = -1;
static int child_pidfd = -1;
static int pidfd_in_set; /* vfork4j_masked: the pidfd was added to the epoll set */

static void *event_loop(void *unused) {
    (void)unused;
    struct epoll_event events[16];
    for (;;) {
        epoll_wait(epoll_fd, events, 16, -1);
    }
    return NULL;
}

/* The kernel's struct sigaction, as rt_sigaction(2) takes it (not glibc's). */
struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

/* The signals the vfork4j ways' child sets to SIG_DFL, bit n-1 for signal n: see main(). */
static uint64_t to_default;

static int vfork4j_child(void *argv) {
    uint64_t empty = 0;
    struct kernel_sigaction dfl = {0};
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_UNSHARE) != 0) {
        _exit(126);
    }
    for (int sig = 1; sig <= 64; sig++) {
        if ((to_default >> (sig - 1) & 1) && syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(uint64_t)) != 0) {
            _exit(126);
        }
    }
    if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, NULL, sizeof empty) != 0) {
        _exit(126);
    }
    execve(program, argv, environ);
    _exit(127);
}

/*
 * posix_spawn_pipes: the parent's read ends of the child's stdout and stderr while it runs
 * (-1 otherwise), and what was read from each, kept in memory as output() keeps it.
 */
static int output_fd[2] = {-1, -1};
static struct captured {
    char *data;
    size_t length, capacity;
} captured[2];

static void make_pipe(int fds[2]) {
    /* O_CLOEXEC, as a threaded program must: no file action has to close the originals. */
    if (pipe2(fds, O_CLOEXEC) != 0) {
        perror("pipe2");
        exit(1);
    }
}

static pid_t spawn_with_pipes(char *const argv[]) {
    int out[2], err[2];
    make_pipe(out);
    make_pipe(err);
    posix_spawn_file_actions_t actions;
    int e;
    if ((e = posix_spawn_file_actions_init(&actions)) != 0
        || (e = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)) != 0
        || (e = posix_spawn_file_actions_adddup2(&actions, out[1], 1)) != 0
        || (e = posix_spawn_file_actions_adddup2(&actions, err[1], 2)) != 0) {
        fprintf(stderr, "posix_spawn_file_actions: %s\n", strerror(e));
        exit(1);
    }
    pid_t pid;
    e = posix_spawn(&pid, program, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    /* The child has exec'd (glibc's posix_spawn returns after it): end of file comes at its exit. */
    close(out[1]);
    close(err[1]);
    if (e != 0) {
        fprintf(stderr, "posix_spawn(%s): %s\n", program, strerror(e));
        exit(1);
    }
    output_fd[0] = out[0];
    output_fd[1] = err[0];
    return pid;
}

/* Reads the child's stdout and stderr, whichever is ready, until both are at end of file. */
static void read_output(void) {
    captured[0].length = captured[1].length = 0;
    int open_fds = 2;
    while (open_fds > 0) {
        /* An fd closed at its end of file is -1 here, and poll ignores an entry with a negative fd. */
        struct pollfd p[2] = {{.fd = output_fd[0], .events = POLLIN}, {.fd = output_fd[1], .events = POLLIN}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("poll");
            exit(1);
        }
        for (int i = 0; i < 2; i++) {
            if (output_fd[i] < 0 || p[i].revents == 0) {
                continue;
            }
            struct captured *c = &captured[i];
            if (c->capacity - c->length < 4096) {
                c->capacity = c->capacity ? 2 * c->capacity : 65536;
                if ((c->data = realloc(c->data, c->capacity)) == NULL) {
                    perror("realloc");
                    exit(1);
                }
            }
            ssize_t got = read(output_fd[i], c->data + c->length, c->capacity - c->length);
            if (got > 0) {
                c->length += (size_t)got;
            } else if (got == 0) {
                close(output_fd[i]);
                output_fd[i] = -1;
                open_fds--;
            } else if (errno != EINTR) {
                perror("read");
                exit(1);
            }
        }
    }
}

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
            execve(program, argv, environ);
            _exit(127);
        }
        break;
    case WAY_VFORK_CLOSE_RANGE:
        pid = vfork();
        if (pid == 0) {
            if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
                _exit(126);
            }
            execve(program, argv, environ);
            _exit(127);
        }
        break;
    case WAY_CLONE_FILES:
        pid = clone(clone_files_child, clone_stack + sizeof clone_stack, CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD,
                    (void *)argv);
        break;
    case WAY_VFORK4J:
    case WAY_VFORK4J_MASKED: {
        uint64_t all = ~(uint64_t)0, old;
        syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, sizeof all);
        pid = clone(vfork4j_child, clone_stack + sizeof clone_stack,
                    CLONE_VM | CLONE_VFORK | CLONE_FILES | CLONE_PIDFD | SIGCHLD, (void *)argv, &child_pidfd);
        syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, sizeof old);
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = child_pidfd};
        if (pid > 0 && way == WAY_VFORK4J_MASKED
            && (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, child_pidfd, &ev) != 0
                || (ev.events = 0, epoll_ctl(epoll_fd, EPOLL_CTL_MOD, child_pidfd, &ev) != 0))) {
            perror("epoll_ctl");
            exit(1);
        }
        pidfd_in_set = way == WAY_VFORK4J_MASKED;
        break;
    }
    case WAY_FORK:
        pid = fork();
        if (pid == 0) {
            execve(program, argv, environ);
            _exit(127);
        }
        break;
    case WAY_POSIX_SPAWN: {
        int err = posix_spawn(&pid, program, NULL, NULL, argv, environ);
        if (err != 0) {
            fprintf(stderr, "posix_spawn(%s): %s\n", program, strerror(err));
            exit(1);
        }
        break;
    }
    case WAY_POSIX_SPAWN_PIPES:
        pid = spawn_with_pipes(argv);
        break;
    default:
        abort();
    }
    if (pid < 0) {
        perror(WAYS[way]);
        exit(1);
    }
    return pid;
}

static void reap(pid_t pid) {
    if (child_pidfd >= 0) { /* the vfork4j ways */
        struct pollfd p = {.fd = child_pidfd, .events = POLLIN};
        poll(&p, 1, 2);
        siginfo_t info;
        while (waitid(P_PIDFD, child_pidfd, &info, WEXITED) < 0) {
            if (errno != EINTR) {
                perror("waitid");
                exit(1);
            }
        }
        if (pidfd_in_set) {
            epoll_ctl(epoll_fd, EPOLL_CTL_DEL, child_pidfd, NULL);
        }
        close(child_pidfd);
        child_pidfd = -1;
        if (info.si_code != CLD_EXITED || info.si_status != 0) {
            fprintf(stderr, "%s did not exit with 0\n", program);
            exit(1);
        }
        return;
    }
    if (output_fd[0] >= 0) { /* posix_spawn_pipes: the output first, as output() waits for both */
        read_output();
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            perror("waitpid");
            exit(1);
        }
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s did not exit with 0 (wait status 0x%x)\n", program, status);
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

static void usage(const char *self) {
    fprintf(stderr,
            "usage: %s [iterations] [vfork|vfork_close_range|clone_files|posix_spawn|fork|vfork4j|vfork4j_masked|"
            "posix_spawn_pipes] [--fds N] [--samples FILE] [--child PROGRAM [ARG...]]\n",
            self);
    exit(2);
}

int main(int argc, char **argv) {
    long n = 5000;
    const char *name = "vfork";
    long fds = 0;
    const char *samples = NULL;
    int positional = 0;
    char *true_argv[] = {(char *)program, NULL};
    char **child_argv = true_argv;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--child") == 0 && i + 1 < argc) {
            /* The rest of the line is the child's argv, NULL-terminated as argv itself is. */
            program = argv[i + 1];
            child_argv = &argv[i + 1];
            break;
        } else if (strcmp(argv[i], "--fds") == 0 && i + 1 < argc) {
            fds = strtol(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--samples") == 0 && i + 1 < argc) {
            samples = argv[++i];
        } else if (argv[i][0] == '-') {
            usage(argv[0]);
        } else if (positional == 0) {
            n = strtol(argv[i], NULL, 10);
            positional++;
        } else if (positional == 1) {
            name = argv[i];
            positional++;
        } else {
            usage(argv[0]);
        }
    }
    enum way way = WAY_VFORK;
    size_t ways = sizeof WAYS / sizeof WAYS[0];
    while (strcmp(name, WAYS[way]) != 0) {
        if (++way == ways) {
            usage(argv[0]);
        }
    }
    if (n < 1) {
        fprintf(stderr, "iterations must be at least 1, got %ld\n", n);
        return 2;
    }
    if (fds < 0) {
        fprintf(stderr, "--fds must not be negative, got %ld\n", fds);
        return 2;
    }
    for (long i = 0; i < fds; i++) {
        if (open("/dev/null", O_RDONLY) < 0) {
            fprintf(stderr, "open of /dev/null number %ld: %s (see ulimit -n)\n", i + 1, strerror(errno));
            return 1;
        }
    }

    if (way == WAY_VFORK4J || way == WAY_VFORK4J_MASKED) {
        /* As vfork4j's SignalDefaults: every signal but those ignored now (taken as inherited)
         * and SIGKILL/SIGSTOP goes to SIG_DFL in the child, and SIGPIPE always. */
        to_default = ~(uint64_t)0;
        for (int sig = 1; sig <= 64; sig++) {
            struct kernel_sigaction old;
            if (syscall(SYS_rt_sigaction, sig, NULL, &old, sizeof(uint64_t)) == 0 && old.handler == SIG_IGN) {
                to_default &= ~((uint64_t)1 << (sig - 1));
            }
        }
        to_default |= (uint64_t)1 << (SIGPIPE - 1);
        to_default &= ~((uint64_t)1 << (SIGKILL - 1)) & ~((uint64_t)1 << (SIGSTOP - 1));
        pthread_t loop;
        epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (epoll_fd < 0 || pthread_create(&loop, NULL, event_loop, NULL) != 0) {
            perror("the vfork4j ways' event loop");
            return 1;
        }
    }

    long warmup = n / 10 > 10 ? n / 10 : 10;
    for (long i = 0; i < warmup; i++) {
        reap(spawn(way, child_argv));
    }

    double *took = malloc(n * sizeof *took);
    if (took == NULL) {
        perror("malloc");
        return 1;
    }
    double *spawned = malloc(n * sizeof *spawned); /* until the spawn call returns, without the wait */
    if (spawned == NULL) {
        perror("malloc");
        return 1;
    }
    double sum = 0;
    for (long i = 0; i < n; i++) {
        double start = now_us();
        pid_t pid = spawn(way, child_argv);
        spawned[i] = now_us() - start;
        reap(pid);
        took[i] = now_us() - start;
        sum += took[i];
    }
    if (samples != NULL) {
        FILE *out = fopen(samples, "a");
        if (out == NULL) {
            fprintf(stderr, "%s: %s\n", samples, strerror(errno));
            return 1;
        }
        for (long i = 0; i < n; i++) {
            fprintf(out, "%.3f\n", took[i]);
        }
        if (fclose(out) != 0) {
            fprintf(stderr, "%s: %s\n", samples, strerror(errno));
            return 1;
        }
    }
    qsort(took, n, sizeof *took, by_value);
    qsort(spawned, n, sizeof *spawned, by_value);

    printf("%-17s n=%ld fds=%ld  mean %.1f us  median %.1f us  p10 %.1f  p90 %.1f  p99 %.1f  min %.1f  max %.1f"
           "  (spawn call returned: median %.1f us)",
           name, n, fds, sum / n, quantile(took, n, 0.5), quantile(took, n, 0.1), quantile(took, n, 0.9),
           quantile(took, n, 0.99), took[0], took[n - 1], quantile(spawned, n, 0.5));
    if (child_argv != true_argv) {
        printf("  child %s", program);
    }
    if (way == WAY_POSIX_SPAWN_PIPES) {
        printf("  (the last child wrote: stdout %zu bytes, stderr %zu bytes)", captured[0].length, captured[1].length);
    }
    printf("\n");
    free(spawned);
    free(took);
    return 0;
}
