package dev.vfork4j.spawn.asm;

import static dev.vfork4j.spawn.asm.Aarch64Assembler.Reg.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vfork4j.linux.Arch;
import dev.vfork4j.spawn.asm.Aarch64Assembler.Cond;
import dev.vfork4j.spawn.asm.Aarch64Assembler.Reg;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The AArch64 emitter against GNU as: the same listing must give the same bytes. */
class Aarch64AssemblerTest {

    private static final String AS = "aarch64-linux-gnu-as", OBJCOPY = "aarch64-linux-gnu-objcopy";

    /** X0..X30 and SP: the registers a base or add/sub immediate field accepts. */
    private static final Reg[] SP_OR_GENERAL = Arrays.stream(Reg.values()).filter(r -> r != XZR).toArray(Reg[]::new);

    /** X0..X30 and XZR: the registers a transfer, logical or shifted-register field accepts. */
    private static final Reg[] ZR_OR_GENERAL = Arrays.stream(Reg.values()).filter(r -> r != SP).toArray(Reg[]::new);

    @TempDir
    Path dir;

    private void assertSameAsGnuAs(Program p) throws Exception {
        assumeTrue(GnuAs.installed(AS) && GnuAs.installed(OBJCOPY), "GNU as for aarch64 is not installed");
        String source = ".text\n" + p.listing();
        byte[] expected = GnuAs.assemble(AS, OBJCOPY, source, dir);
        assertThat(HexFormat.of().formatHex(p.assemble())).as(source).isEqualTo(HexFormat.of().formatHex(expected));
    }

    @Test
    void registerPairsWithEveryOffsetAndBase() throws Exception {
        Aarch64Assembler a = new Aarch64Assembler();
        Reg[] bases = {SP, X0, X7, X19, X29, X30};
        for (Reg base : bases) {
            for (int i = 0; i < ZR_OR_GENERAL.length; i++) {
                Reg r1 = ZR_OR_GENERAL[i];
                Reg r2 = ZR_OR_GENERAL[(i + 5) % ZR_OR_GENERAL.length];
                for (int off : new int[] {-512, -48, -16, -8, 0, 8, 16, 32, 504}) {
                    a.stp(r1, r2, base, off);
                    a.ldp(r1, r2, base, off);
                    if (base == SP || (base != r1 && base != r2)) {
                        a.stpPre(r1, r2, base, off);
                        a.ldpPost(r1, r2, base, off);
                    }
                }
            }
        }
        a.stpPre(X29, X30, SP, -16);
        a.ldpPost(X29, X30, SP, 16);
        assertSameAsGnuAs(a.program());
    }

    @Test
    void movesWithEveryRegister() throws Exception {
        Aarch64Assembler a = new Aarch64Assembler();
        for (Reg d : Reg.values()) {
            for (Reg s : Reg.values()) {
                if (!(d == SP && s == XZR) && !(d == XZR && s == SP)) {
                    a.mov(d, s);
                }
            }
        }
        for (Reg d : ZR_OR_GENERAL) {
            for (int imm : new int[] {0, 1, 2, 8, 94, 127, 135, 435, 0x1234, 0x8000, 0xFFFF}) {
                for (int shift : new int[] {0, 16, 32, 48}) {
                    a.movz(d, imm, shift);
                    a.movk(d, imm, shift);
                    a.movn(d, imm, shift);
                }
            }
            a.movz(d, 435);
        }
        assertSameAsGnuAs(a.program());
    }

    @Test
    void loadsAndStoresWithEveryRegisterAndOffset() throws Exception {
        Aarch64Assembler a = new Aarch64Assembler();
        for (Reg base : SP_OR_GENERAL) {
            for (Reg r : ZR_OR_GENERAL) {
                for (int off : new int[] {0, 8, 16, 64, 72, 104, 120, 4096, 32760}) {
                    a.ldr(r, base, off);
                    a.str(r, base, off);
                }
                for (int off : new int[] {0, 4, 8, 12, 124, 16380}) {
                    a.ldr32(r, base, off);
                    a.str32(r, base, off);
                }
            }
        }
        assertSameAsGnuAs(a.program());
    }

    @Test
    void arithmeticWithEveryRegisterAndImmediate() throws Exception {
        Aarch64Assembler a = new Aarch64Assembler();
        for (Reg d : SP_OR_GENERAL) {
            for (Reg s : SP_OR_GENERAL) {
                for (int imm : new int[] {0, 1, 80, 88, 4095, 4096, 8192, 0xFFF000}) {
                    a.add(d, s, imm);
                    a.sub(d, s, imm);
                }
            }
            for (int imm : new int[] {0, 1, 2, 3, 13, 4095, 4096, 0xFFF000, -1, -13, -4095, -4096, -0xFFF000}) {
                a.cmp(d, imm);
            }
        }
        for (Reg x : ZR_OR_GENERAL) {
            for (Reg y : ZR_OR_GENERAL) {
                a.cmp(x, y);
                a.neg(x, y);
                for (int shift : new int[] {0, 1, 2, 31, 32, 63}) {
                    a.lsr(x, y, shift);
                }
            }
        }
        a.svc();
        a.ret();
        a.udf();
        a.brk();
        assertSameAsGnuAs(a.program());
    }

    @Test
    void everyBitmaskImmediate() throws Exception {
        // Every element size, run length and rotation: all 5334 logical immediates of AND.
        Aarch64Assembler a = new Aarch64Assembler();
        int count = 0;
        for (int size = 2; size <= 64; size *= 2) {
            for (int ones = 1; ones < size; ones++) {
                for (int rotation = 0; rotation < size; rotation++) {
                    long element = (1L << ones) - 1;
                    if (rotation > 0) {
                        element = (element >>> rotation | element << (size - rotation)) & (size == 64 ? -1L : (1L << size) - 1);
                    }
                    long mask = element;
                    for (int at = size; at < 64; at += size) {
                        mask |= element << at;
                    }
                    a.and(count % 3 == 0 ? SP : X0, count % 2 == 0 ? X10 : XZR, mask);
                    count++;
                }
            }
        }
        assertThat(count).isEqualTo(5334);
        for (Reg d : SP_OR_GENERAL) {
            for (Reg s : ZR_OR_GENERAL) {
                a.and(d, s, -16L);
            }
        }
        assertSameAsGnuAs(a.program());
    }

    @Test
    void callsThroughEveryRegister() throws Exception {
        Aarch64Assembler a = new Aarch64Assembler();
        for (Reg r : Reg.values()) {
            if (r != SP && r != XZR) {
                a.blr(r);
            }
        }
        assertSameAsGnuAs(a.program());
    }

    @Test
    void branchesForwardAndBackwardWithEveryCondition() throws Exception {
        Aarch64Assembler a = new Aarch64Assembler();
        Label top = a.label("top");
        Label mid = a.label("mid");
        Label end = a.label("end");
        a.bind(top);
        a.b(top); // to itself: offset 0
        for (Cond c : Cond.values()) {
            a.b(c, mid);
            a.b(c, top);
            a.b(c, end);
        }
        for (Reg r : ZR_OR_GENERAL) {
            a.cbz(r, mid);
            a.cbnz(r, top);
        }
        a.b(mid);
        a.bind(mid);
        a.b(top);
        a.b(end);
        for (int i = 0; i < 70_000; i++) { // 280 KB: uses the high bits of the 19-bit offsets
            a.movz(X0, i & 0xFFFF);
        }
        for (Cond c : Cond.values()) {
            a.b(c, top);
        }
        a.cbz(X3, top);
        a.cbnz(X30, mid);
        a.b(top);
        a.bind(end);
        assertSameAsGnuAs(a.program());
    }

    @Test
    void theChildRoutine() throws Exception {
        assertSameAsGnuAs(Aarch64ChildRoutine.build());
    }

    @Test
    void theLabRoutine() throws Exception {
        assertSameAsGnuAs(LabRoutine.program(Arch.AARCH64));
    }

    @Test
    void formsGnuAsWouldEncodeDifferentlyAreRefused() {
        Aarch64Assembler a = new Aarch64Assembler();
        assertThatThrownBy(() -> a.ldr(X0, X1, 4)).hasMessageContaining("multiple of 8"); // ldur
        assertThatThrownBy(() -> a.ldr(X0, X1, -8)).hasMessageContaining("multiple of 8"); // ldur
        assertThatThrownBy(() -> a.str32(X0, X1, 2)).hasMessageContaining("multiple of 4"); // stur
        assertThatThrownBy(() -> a.add(X0, X1, -8)).hasMessageContaining("[0, 4095]"); // sub
        assertThatThrownBy(() -> a.add(X0, X1, 4097)).hasMessageContaining("[0, 4095]");
        assertThatThrownBy(() -> a.movz(X0, 0x10000)).hasMessageContaining("[0, 65535]");
        assertThatThrownBy(() -> a.movz(X0, 1, 8)).hasMessageContaining("shift");
        assertThatThrownBy(() -> a.stpPre(X0, X1, SP, 4)).hasMessageContaining("multiple of 8");
        assertThatThrownBy(() -> a.ldpPost(X0, X0, SP, 16)).hasMessageContaining("unpredictable");
        assertThatThrownBy(() -> a.stpPre(X0, X1, X0, -16)).hasMessageContaining("unpredictable");
        assertThatThrownBy(() -> a.ldr(SP, X1, 0)).hasMessageContaining("not sp");
        assertThatThrownBy(() -> a.ldr(X0, XZR, 0)).hasMessageContaining("not xzr");
        assertThatThrownBy(() -> a.cmp(SP, X1)).hasMessageContaining("not sp");
        assertThatThrownBy(() -> a.cmp(XZR, 1)).hasMessageContaining("not xzr");
        assertThatThrownBy(() -> a.mov(SP, XZR)).hasMessageContaining("not xzr");
        assertThatThrownBy(() -> a.and(X0, X1, 0)).hasMessageContaining("not bitmask");
        assertThatThrownBy(() -> a.and(X0, X1, -1)).hasMessageContaining("not bitmask");
        assertThatThrownBy(() -> a.and(X0, X1, 0b101)).hasMessageContaining("not a bitmask");
        assertThatThrownBy(() -> a.and(X0, SP, -16)).hasMessageContaining("not sp");
        assertThatThrownBy(() -> a.blr(XZR)).hasMessageContaining("general register");
        assertThatThrownBy(() -> a.lsr(X0, X1, 64)).hasMessageContaining("0..63");
        assertThatThrownBy(() -> a.lsr(SP, X1, 1)).hasMessageContaining("not sp");
    }

    @Test
    void aBranchBeyondItsRangeIsAnError() {
        Aarch64Assembler a = new Aarch64Assembler();
        Label far = a.label("far");
        a.cbz(X0, far);
        for (int i = 0; i < (1 << 18); i++) { // 1 MiB of code: one word past cbz's reach
            a.movz(X0, 0);
        }
        a.bind(far);
        assertThatThrownBy(a.program()::assemble).hasMessageContaining("cannot reach");
    }

    @Test
    void everyLabelMustBeBound() {
        Aarch64Assembler a = new Aarch64Assembler();
        a.b(a.label("nowhere"));
        assertThatThrownBy(a::program).hasMessageContaining("never bound");
    }
}
