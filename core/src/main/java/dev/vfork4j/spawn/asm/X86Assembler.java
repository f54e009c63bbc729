package dev.vfork4j.spawn.asm;

import java.io.ByteArrayOutputStream;
import java.util.Locale;
import java.util.Map;

/**
 * The few x86_64 instruction forms the child routine needs, each encoded as GNU as encodes it
 * (Intel syntax), so tests can assemble {@link Program#listing()} with GNU as and compare.
 */
public final class X86Assembler {

    /** The 64-bit general registers, numbered as the encoding numbers them. */
    public enum Reg {
        RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15;

        int low3() {
            return ordinal() & 7;
        }

        boolean extended() {
            return ordinal() >= 8;
        }

        String q() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The 32-bit name: eax, r10d. */
        String d() {
            if (extended()) {
                return q() + "d";
            }
            return "e" + q().substring(1);
        }
    }

    /** Condition codes (the low nibble of Jcc). */
    public enum Cond {
        E(0x4), NE(0x5), AE(0x3), B(0x2), A(0x7), BE(0x6), L(0xC), GE(0xD);

        final int code;

        Cond(int code) {
            this.code = code;
        }
    }

    final Program program = new Program();

    public Program program() {
        program.checkAllBound();
        return program;
    }

    public Label label(String hint) {
        return program.newLabel(hint);
    }

    public void bind(Label l) {
        program.bind(l);
    }

    // ---- encoding helpers ----

    private static int rex(boolean w, Reg reg, Reg base) {
        return 0x40 | (w ? 8 : 0) | (reg != null && reg.extended() ? 4 : 0) | (base != null && base.extended() ? 1 : 0);
    }

    /** ModRM (+SIB, +disp) for [base + disp] with the reg field {@code regField}. */
    private static void memOperand(ByteArrayOutputStream out, int regField, Reg base, int disp) {
        int mod;
        if (disp == 0 && base.low3() != 5) { // rbp/r13 have no disp-less form
            mod = 0;
        } else if (disp >= -128 && disp <= 127) {
            mod = 1;
        } else {
            mod = 2;
        }
        out.write((mod << 6) | ((regField & 7) << 3) | base.low3());
        if (base.low3() == 4) { // rsp/r12 need a SIB byte
            out.write(0x24);
        }
        if (mod == 1) {
            out.write(disp);
        } else if (mod == 2) {
            writeInt(out, disp);
        }
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >> 8);
        out.write(v >> 16);
        out.write(v >> 24);
    }

    private static String mem(String size, Reg base, int disp) {
        String d = disp == 0 ? "" : (disp > 0 ? "+" + disp : String.valueOf(disp));
        return size + " ptr [" + base.q() + d + "]";
    }

    private void emit(String text, ByteArrayOutputStream out) {
        program.add(text, out.toByteArray());
    }

    // ---- instructions ----

    public void push(Reg r) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        if (r.extended()) {
            o.write(0x41);
        }
        o.write(0x50 + r.low3());
        emit("push " + r.q(), o);
    }

    public void pop(Reg r) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        if (r.extended()) {
            o.write(0x41);
        }
        o.write(0x58 + r.low3());
        emit("pop " + r.q(), o);
    }

    /** mov dst, src (64-bit). */
    public void mov(Reg dst, Reg src) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(rex(true, src, dst));
        o.write(0x89);
        o.write(0xC0 | (src.low3() << 3) | dst.low3());
        emit("mov " + dst.q() + ", " + src.q(), o);
    }

    /** mov dst32, imm32 (zero-extends into the 64-bit register). */
    public void mov32(Reg dst, int imm) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        if (dst.extended()) {
            o.write(0x41);
        }
        o.write(0xB8 + dst.low3());
        writeInt(o, imm);
        emit("mov " + dst.d() + ", " + imm, o);
    }

    /** mov dst, qword ptr [base + disp]. */
    public void load(Reg dst, Reg base, int disp) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(rex(true, dst, base));
        o.write(0x8B);
        memOperand(o, dst.low3(), base, disp);
        emit("mov " + dst.q() + ", " + mem("qword", base, disp), o);
    }

    /** mov dword ptr [base + disp], src32. */
    public void store32(Reg base, int disp, Reg src) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        if (src.extended() || base.extended()) {
            o.write(rex(false, src, base));
        }
        o.write(0x89);
        memOperand(o, src.low3(), base, disp);
        emit("mov " + mem("dword", base, disp) + ", " + src.d(), o);
    }

    /** lea dst, [base + disp]. */
    public void lea(Reg dst, Reg base, int disp) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(rex(true, dst, base));
        o.write(0x8D);
        memOperand(o, dst.low3(), base, disp);
        emit("lea " + dst.q() + ", [" + base.q() + (disp == 0 ? "" : (disp > 0 ? "+" + disp : String.valueOf(disp))) + "]", o);
    }

    /** xor r32, r32: zeroes the whole 64-bit register. */
    public void zero(Reg r) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        if (r.extended()) {
            o.write(0x45);
        }
        o.write(0x31);
        o.write(0xC0 | (r.low3() << 3) | r.low3());
        emit("xor " + r.d() + ", " + r.d(), o);
    }

    /** test a, b (64-bit). */
    public void test(Reg a, Reg b) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(rex(true, b, a));
        o.write(0x85);
        o.write(0xC0 | (b.low3() << 3) | a.low3());
        emit("test " + a.q() + ", " + b.q(), o);
    }

    /** cmp a, b (64-bit). */
    public void cmp(Reg a, Reg b) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(rex(true, b, a));
        o.write(0x39);
        o.write(0xC0 | (b.low3() << 3) | a.low3());
        emit("cmp " + a.q() + ", " + b.q(), o);
    }

    /** cmp r, imm (64-bit, imm sign-extended). */
    public void cmp(Reg r, int imm) {
        aluImm(7, "cmp", r, imm);
    }

    /** add r, imm (64-bit). */
    public void add(Reg r, int imm) {
        aluImm(0, "add", r, imm);
    }

    /** and r, imm (64-bit, imm sign-extended): {@code and rsp, -16} aligns the stack for a call. */
    public void and(Reg r, int imm) {
        aluImm(4, "and", r, imm);
    }

    private void aluImm(int ext, String name, Reg r, int imm) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(rex(true, null, r));
        if (imm >= -128 && imm <= 127) {
            o.write(0x83);
            o.write(0xC0 | (ext << 3) | r.low3());
            o.write(imm);
        } else if (r == Reg.RAX) {
            o.write(0x05 | (ext << 3)); // the accumulator's short form, as GNU as picks it
            writeInt(o, imm);
        } else {
            o.write(0x81);
            o.write(0xC0 | (ext << 3) | r.low3());
            writeInt(o, imm);
        }
        emit(name + " " + r.q() + ", " + imm, o);
    }

    /** cmp r, qword ptr [base + disp]. */
    public void cmp(Reg r, Reg base, int disp) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(rex(true, r, base));
        o.write(0x3B);
        memOperand(o, r.low3(), base, disp);
        emit("cmp " + r.q() + ", " + mem("qword", base, disp), o);
    }

    /** inc r (64-bit). */
    public void inc(Reg r) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(rex(true, null, r));
        o.write(0xFF);
        o.write(0xC0 | r.low3());
        emit("inc " + r.q(), o);
    }

    /** dec r (64-bit). */
    public void dec(Reg r) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(rex(true, null, r));
        o.write(0xFF);
        o.write(0xC8 | r.low3());
        emit("dec " + r.q(), o);
    }

    /** neg r (64-bit). */
    public void neg(Reg r) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(rex(true, null, r));
        o.write(0xF7);
        o.write(0xD8 | r.low3());
        emit("neg " + r.q(), o);
    }

    /** shr r, 1 (64-bit): CF receives the bit shifted out, so {@code jae} branches when it was 0. */
    public void shr(Reg r) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(rex(true, null, r));
        o.write(0xD1);
        o.write(0xE8 | r.low3()); // D1 /5
        emit("shr " + r.q() + ", 1", o);
    }

    /** call r: an indirect call to the address in r (pushes the return address on rsp). */
    public void call(Reg r) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        if (r.extended()) {
            o.write(0x41);
        }
        o.write(0xFF);
        o.write(0xD0 | r.low3()); // FF /2, register operand
        emit("call " + r.q(), o);
    }

    public void syscall() {
        program.add("syscall", (byte) 0x0F, (byte) 0x05);
    }

    public void ret() {
        program.add("ret", (byte) 0xC3);
    }

    public void ud2() {
        program.add("ud2", (byte) 0x0F, (byte) 0x0B);
    }

    /** j{cond} label: rel8 when it reaches, rel32 otherwise. */
    public void j(Cond cond, Label target) {
        program.add(new Jump(cond, target));
    }

    /** jmp label. */
    public void jmp(Label target) {
        program.add(new Jump(null, target));
    }

    private record Jump(Cond cond, Label target) implements Program.Branch {
        private int shortSize() {
            return 2;
        }

        private int longSize() {
            return cond == null ? 5 : 6;
        }

        @Override
        public boolean needsLong(int pc, Map<Label, Integer> labels) {
            int rel = labels.get(target) - (pc + shortSize());
            return rel < -128 || rel > 127;
        }

        @Override
        public byte[] encode(int pc, Map<Label, Integer> labels, boolean longForm) {
            int to = labels.getOrDefault(target, 0);
            if (!longForm) {
                int rel = to - (pc + shortSize());
                return new byte[] {(byte) (cond == null ? 0xEB : 0x70 | cond.code), (byte) rel};
            }
            int rel = to - (pc + longSize());
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            if (cond == null) {
                o.write(0xE9);
            } else {
                o.write(0x0F);
                o.write(0x80 | cond.code);
            }
            writeInt(o, rel);
            return o.toByteArray();
        }

        @Override
        public String text() {
            return (cond == null ? "jmp" : "j" + cond.name().toLowerCase(Locale.ROOT)) + " " + target;
        }
    }
}
