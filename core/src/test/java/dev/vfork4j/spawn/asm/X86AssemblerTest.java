package dev.vfork4j.spawn.asm;

import static dev.vfork4j.spawn.asm.X86Assembler.Reg.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vfork4j.linux.Arch;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The x86_64 emitter against GNU as: the same listing must give the same bytes. */
class X86AssemblerTest {

    @TempDir
    Path dir;

    private void assertSameAsGnuAs(Program p) throws Exception {
        assumeTrue(GnuAs.installed("as") && GnuAs.installed("objcopy"), "GNU as for x86_64 is not installed");
        String source = ".intel_syntax noprefix\n.text\n" + p.listing();
        byte[] expected = GnuAs.assemble("as", "objcopy", source, dir);
        assertThat(HexFormat.of().formatHex(p.assemble())).as(source).isEqualTo(HexFormat.of().formatHex(expected));
    }

    @Test
    void everyInstructionFormWithEveryRegister() throws Exception {
        X86Assembler a = new X86Assembler();
        for (X86Assembler.Reg r : X86Assembler.Reg.values()) {
            a.push(r);
            a.pop(r);
            a.mov32(r, 0x12345678);
            a.mov32(r, -1);
            a.zero(r);
            a.inc(r);
            a.dec(r);
            a.neg(r);
            a.shr(r);
            a.add(r, 80);
            a.add(r, 4096);
            a.cmp(r, -4095);
            a.cmp(r, 3);
            a.and(r, -16);
            a.and(r, 127);
            a.and(r, 4096);
            a.call(r);
            for (X86Assembler.Reg s : X86Assembler.Reg.values()) {
                a.mov(r, s);
                a.cmp(r, s);
                a.test(r, s);
                for (int disp : new int[] {0, 8, 127, 128, -8, 4096}) {
                    a.load(r, s, disp);
                    a.lea(r, s, disp);
                    a.cmp(r, s, disp);
                    a.store32(s, disp, r);
                }
            }
        }
        a.syscall();
        a.ret();
        a.ud2();
        assertSameAsGnuAs(a.program());
    }

    @Test
    void branchesAreShortWhenTheyReachAndLongWhenNot() throws Exception {
        X86Assembler a = new X86Assembler();
        Label top = a.label("top");
        Label far = a.label("far");
        Label near = a.label("near");
        a.bind(top);
        a.j(X86Assembler.Cond.E, near);
        a.j(X86Assembler.Cond.AE, far);
        a.bind(near);
        for (int i = 0; i < 60; i++) {
            a.mov32(RAX, i); // 5 bytes each: 300 bytes, beyond rel8
        }
        a.jmp(top);
        a.j(X86Assembler.Cond.NE, top);
        a.bind(far);
        a.jmp(far);
        for (X86Assembler.Cond c : X86Assembler.Cond.values()) {
            a.j(c, far);
            a.j(c, top);
        }
        assertSameAsGnuAs(a.program());
    }

    @Test
    void theChildRoutine() throws Exception {
        assertSameAsGnuAs(X86ChildRoutine.build());
    }

    @Test
    void theLabRoutine() throws Exception {
        assertSameAsGnuAs(LabRoutine.program(Arch.X86_64));
    }
}
