package dev.vfork4j;

import dev.vfork4j.linux.Arch;
import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.LibC;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Main class for a disposable JVM of {@link FirstSpawnTest}: its first spawn, one fact per line
 * ({@code key=value}).
 *
 * <ul>
 *   <li>{@code run}: {@code Command.of("true").run()}, nothing else (the test counts its clones).</li>
 *   <li>{@code refused best|VFORK}: first installs a seccomp filter under which clone3 with
 *       arguments fails with ENOSYS, as on a kernel or in a container without it, while clone3
 *       with none still answers EINVAL as a kernel that has it does; glibc's posix_spawn and
 *       pthread_create then fall back to clone. So nothing but the child routine's own clone
 *       tells that VFORK cannot work here: the first spawn has to find out.</li>
 * </ul>
 */
public final class FirstSpawnProbe {
    private FirstSpawnProbe() {}

    public static void main(String[] args) throws Exception {
        if (args[0].equals("run")) {
            System.out.println("status=" + Command.of("true").run());
            return;
        }
        refuseClone3WithArguments();
        System.out.println("bestBefore=" + Mechanism.best());
        Command c = Command.of("echo", "started");
        if (args[1].equals("VFORK")) {
            c = c.mechanism(Mechanism.VFORK);
        }
        try {
            Child child = c.stdout(Redirect.PIPE).start();
            System.out.println("mechanism=" + child.mechanism());
            System.out.println("stdout=" + new String(child.getInputStream().readAllBytes()).strip());
            child.waitFor(); // the end of stdout comes before the reap: exitStatus() alone raced it under load
            System.out.println("status=" + child.exitStatus());
        } catch (Throwable t) {
            System.out.println("failure=" + t.getClass().getName());
            System.out.println("message=" + t.getMessage());
        }
        System.out.println("bestAfter=" + Mechanism.best());
        System.out.println("vforkReason=" + Mechanism.VFORK.unavailableReason().orElse("available"));
        try {
            Command.of("true").mechanism(Mechanism.VFORK).run();
            System.out.println("explicitVfork=ran");
        } catch (UnsupportedOperationException e) {
            System.out.println("explicitVfork=" + e.getMessage());
        }
        System.out.println("again=" + Command.of("echo", "again").output().stdoutText().strip());
        System.out.println("children=" + ProcessHandle.current().children().count());
    }

    /** seccomp(SECCOMP_SET_MODE_FILTER, TSYNC): clone3 whose argument pointer is not NULL fails with ENOSYS. */
    private static void refuseClone3WithArguments() {
        Arch arch = Arch.require();
        int auditArch = arch == Arch.X86_64 ? 0xC000003E : 0xC00000B7;
        int[][] program = { // {code, jt, jf, k}
            {0x20, 0, 0, 4},                   // 0: A = seccomp_data.arch
            {0x15, 0, 7, auditArch},           // 1: not this architecture: allow
            {0x20, 0, 0, 0},                   // 2: A = seccomp_data.nr
            {0x15, 0, 5, 435},                 // 3: not clone3: allow
            {0x20, 0, 0, 16},                  // 4: A = low half of args[0]
            {0x15, 0, 2, 0},                   // 5: not 0: ENOSYS
            {0x20, 0, 0, 20},                  // 6: A = high half of args[0]
            {0x15, 1, 0, 0},                   // 7: 0 (NULL): allow, else ENOSYS
            {0x06, 0, 0, 0x0005_0000 | 38},    // 8: SECCOMP_RET_ERRNO | ENOSYS
            {0x06, 0, 0, 0x7FFF_0000},         // 9: SECCOMP_RET_ALLOW
        };
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment filter = arena.allocate(8L * program.length, 8);
            for (int i = 0; i < program.length; i++) {
                filter.set(ValueLayout.JAVA_SHORT, 8L * i, (short) program[i][0]);
                filter.set(ValueLayout.JAVA_BYTE, 8L * i + 2, (byte) program[i][1]);
                filter.set(ValueLayout.JAVA_BYTE, 8L * i + 3, (byte) program[i][2]);
                filter.set(ValueLayout.JAVA_INT, 8L * i + 4, program[i][3]);
            }
            MemorySegment fprog = arena.allocate(16, 8); // struct sock_fprog {unsigned short len; struct sock_filter *filter;}
            fprog.set(ValueLayout.JAVA_SHORT, 0, (short) program.length);
            fprog.set(ValueLayout.JAVA_LONG, 8, filter.address());
            MemorySegment st = CallState.allocate(arena);
            // Needed unless this JVM has CAP_SYS_ADMIN; seccomp below says so when it fails.
            LibC.syscall(st, arch.sys.prctl(), 38 /* PR_SET_NO_NEW_PRIVS */, 1, 0, 0);
            long seccomp = arch == Arch.X86_64 ? 317 : 277;
            if (LibC.syscall(st, seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, 1 /* TSYNC */, fprog.address(), 0) != 0) {
                throw new IllegalStateException("seccomp(SET_MODE_FILTER): errno " + CallState.errno(st));
            }
        }
    }
}
