package dev.vfork4j.spawn.asm;

import java.util.Locale;
import java.util.Map;

/**
 * The few AArch64 instruction forms the child routine needs, each encoded as GNU as encodes it,
 * so tests can assemble {@link Program#listing()} with GNU as and compare.
 *
 * <p>Every instruction is one little-endian 32-bit word, so branches never change size: they are
 * {@link Program.Branch}es whose encoding reads the label address and never asks for a long form.
 *
 * <p>The listing names each instruction so that GNU as has exactly one encoding to choose:
 * {@code movz} rather than {@code mov xD, #imm} (which GNU as may turn into movz, movn or an
 * ORR bitmask), {@code cmn} for a comparison with a negative immediate, and scaled unsigned
 * offsets only for {@code ldr}/{@code str} (GNU as silently picks {@code ldur}/{@code stur} for
 * an offset that is negative or not a multiple of the access size; such offsets are refused here).
 */
public final class Aarch64Assembler {

    /**
     * The 64-bit registers. Register number 31 is {@link #SP} or {@link #XZR} depending on the
     * instruction field, so each instruction checks which of the two its fields accept.
     */
    public enum Reg {
        X0, X1, X2, X3, X4, X5, X6, X7, X8, X9, X10, X11, X12, X13, X14, X15,
        X16, X17, X18, X19, X20, X21, X22, X23, X24, X25, X26, X27, X28, X29, X30,
        SP, XZR;

        int code() {
            return this == SP || this == XZR ? 31 : ordinal();
        }

        String x() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The 32-bit name: w0, wsp, wzr. */
        String w() {
            return switch (this) {
                case SP -> "wsp";
                case XZR -> "wzr";
                default -> "w" + ordinal();
            };
        }
    }

    /** Condition codes for {@code b.cond}, numbered as the encoding numbers them. */
    public enum Cond {
        EQ, NE, HS, LO, MI, PL, VS, VC, HI, LS, GE, LT, GT, LE, AL, NV;

        int code() {
            return ordinal();
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

    // ---- operand checks ----

    /** A field where 31 means the zero register (Rt, Rm, and Rd/Rn of logical instructions). */
    private static int zr(Reg r, String what) {
        if (r == Reg.SP) {
            throw new IllegalArgumentException(what + " must be a general register or xzr, not sp");
        }
        return r.code();
    }

    /** A field where 31 means the stack pointer (base registers, Rd/Rn of add/sub immediate). */
    private static int sp(Reg r, String what) {
        if (r == Reg.XZR) {
            throw new IllegalArgumentException(what + " must be a general register or sp, not xzr");
        }
        return r.code();
    }

    private static String imm(long v) {
        return "#" + v;
    }

    private static String mem(Reg base, int offset) {
        return offset == 0 ? "[" + base.x() + "]" : "[" + base.x() + ", " + imm(offset) + "]";
    }

    private void emit(String text, int word) {
        program.add(text, (byte) word, (byte) (word >>> 8), (byte) (word >>> 16), (byte) (word >>> 24));
    }

    // ---- register pairs ----

    /** stp a, b, [base, #offset]! (pre-index: base += offset, then store). */
    public void stpPre(Reg a, Reg b, Reg base, int offset) {
        pair(0xA9800000, a, b, base, offset, true, "stp " + a.x() + ", " + b.x() + ", [" + base.x() + ", " + imm(offset) + "]!");
    }

    /** ldp a, b, [base], #offset (post-index: load, then base += offset). */
    public void ldpPost(Reg a, Reg b, Reg base, int offset) {
        pair(0xA8C00000, a, b, base, offset, true, "ldp " + a.x() + ", " + b.x() + ", [" + base.x() + "], " + imm(offset));
    }

    /** stp a, b, [base, #offset] (signed offset, no writeback). */
    public void stp(Reg a, Reg b, Reg base, int offset) {
        pair(0xA9000000, a, b, base, offset, false, "stp " + a.x() + ", " + b.x() + ", " + mem(base, offset));
    }

    /** ldp a, b, [base, #offset] (signed offset, no writeback). */
    public void ldp(Reg a, Reg b, Reg base, int offset) {
        pair(0xA9400000, a, b, base, offset, false, "ldp " + a.x() + ", " + b.x() + ", " + mem(base, offset));
    }

    private void pair(int opcode, Reg a, Reg b, Reg base, int offset, boolean writeback, String text) {
        if (offset % 8 != 0 || offset < -512 || offset > 504) {
            throw new IllegalArgumentException("pair offset must be a multiple of 8 in [-512, 504]: " + offset);
        }
        boolean load = (opcode & (1 << 22)) != 0;
        if (load && a == b) {
            throw new IllegalArgumentException("ldp into the same register twice is unpredictable: " + text);
        }
        if (writeback && base != Reg.SP && (base == a || base == b)) {
            throw new IllegalArgumentException("writeback to a register the pair also transfers is unpredictable: " + text);
        }
        int word = opcode | ((offset / 8) & 0x7F) << 15 | zr(b, "pair register") << 10 | sp(base, "base") << 5
            | zr(a, "pair register");
        emit(text, word);
    }

    // ---- moves ----

    /** mov dst, src: ORR dst, xzr, src; or ADD dst, src, #0 when either is sp, as GNU as picks. */
    public void mov(Reg dst, Reg src) {
        String text = "mov " + dst.x() + ", " + src.x();
        if (dst == Reg.SP || src == Reg.SP) {
            emit(text, 0x91000000 | sp(src, "mov source") << 5 | sp(dst, "mov destination"));
        } else {
            emit(text, 0xAA0003E0 | zr(src, "mov source") << 16 | zr(dst, "mov destination"));
        }
    }

    /** movz dst, #imm16, lsl #shift: dst = imm16 &lt;&lt; shift, every other bit zero. */
    public void movz(Reg dst, int imm16, int shift) {
        wide(0xD2800000, "movz", dst, imm16, shift);
    }

    /** movz dst, #imm16. */
    public void movz(Reg dst, int imm16) {
        movz(dst, imm16, 0);
    }

    /** movk dst, #imm16, lsl #shift: replaces those 16 bits, keeps the others. */
    public void movk(Reg dst, int imm16, int shift) {
        wide(0xF2800000, "movk", dst, imm16, shift);
    }

    /** movn dst, #imm16, lsl #shift: dst = ~(imm16 &lt;&lt; shift). */
    public void movn(Reg dst, int imm16, int shift) {
        wide(0x92800000, "movn", dst, imm16, shift);
    }

    private void wide(int opcode, String name, Reg dst, int imm16, int shift) {
        if (imm16 < 0 || imm16 > 0xFFFF) {
            throw new IllegalArgumentException(name + " immediate must be in [0, 65535]: " + imm16);
        }
        if (shift % 16 != 0 || shift < 0 || shift > 48) {
            throw new IllegalArgumentException(name + " shift must be 0, 16, 32 or 48: " + shift);
        }
        String text = name + " " + dst.x() + ", " + imm(imm16) + (shift == 0 ? "" : ", lsl " + imm(shift));
        emit(text, opcode | (shift / 16) << 21 | imm16 << 5 | zr(dst, name + " destination"));
    }

    // ---- loads and stores (unsigned scaled offset) ----

    /** ldr dst, [base, #offset]: 64-bit load. */
    public void ldr(Reg dst, Reg base, int offset) {
        memory(0xF9400000, 8, "ldr " + dst.x(), dst, base, offset);
    }

    /** str src, [base, #offset]: 64-bit store. */
    public void str(Reg src, Reg base, int offset) {
        memory(0xF9000000, 8, "str " + src.x(), src, base, offset);
    }

    /** ldr wDst, [base, #offset]: 32-bit load, zero-extended. */
    public void ldr32(Reg dst, Reg base, int offset) {
        memory(0xB9400000, 4, "ldr " + dst.w(), dst, base, offset);
    }

    /** str wSrc, [base, #offset]: stores the low 32 bits. */
    public void str32(Reg src, Reg base, int offset) {
        memory(0xB9000000, 4, "str " + src.w(), src, base, offset);
    }

    private void memory(int opcode, int size, String head, Reg rt, Reg base, int offset) {
        if (offset < 0 || offset % size != 0 || offset / size > 0xFFF) {
            throw new IllegalArgumentException(
                "offset must be a multiple of " + size + " in [0, " + 0xFFF * size + "]: " + offset);
        }
        emit(head + ", " + mem(base, offset),
            opcode | (offset / size) << 10 | sp(base, "base") << 5 | zr(rt, "transfer register"));
    }

    // ---- arithmetic ----

    /** add dst, src, #imm: imm in [0, 4095], or a multiple of 4096 up to 0xFFF000 (encoded lsl #12). */
    public void add(Reg dst, Reg src, int imm) {
        addSub(0x91000000, "add", sp(dst, "add destination"), dst.x(), src, imm);
    }

    /** sub dst, src, #imm: the same immediates as {@link #add}. */
    public void sub(Reg dst, Reg src, int imm) {
        addSub(0xD1000000, "sub", sp(dst, "sub destination"), dst.x(), src, imm);
    }

    /**
     * cmp r, #imm: SUBS xzr, r, #imm; a negative imm is written {@code cmn r, #-imm} (ADDS xzr),
     * which sets the same flags as subtracting imm would, carry included.
     */
    public void cmp(Reg r, int imm) {
        if (imm < 0) {
            addSub(0xB1000000, "cmn", 31, null, r, -imm);
        } else {
            addSub(0xF1000000, "cmp", 31, null, r, imm);
        }
    }

    /** ADD/SUB/ADDS/SUBS (immediate); {@code rdText} is null for cmp/cmn, whose rd is xzr (31). */
    private void addSub(int opcode, String name, int rd, String rdText, Reg rn, int imm) {
        int shifted;
        if (imm >= 0 && imm <= 0xFFF) {
            shifted = imm << 10;
        } else if (imm > 0 && imm <= 0xFFF000 && (imm & 0xFFF) == 0) {
            shifted = 1 << 22 | (imm >> 12) << 10;
        } else {
            throw new IllegalArgumentException(
                name + " immediate must be in [0, 4095] or a multiple of 4096 up to 16773120: " + imm);
        }
        String text = name + " " + (rdText == null ? "" : rdText + ", ") + rn.x() + ", " + imm(imm);
        emit(text, opcode | shifted | sp(rn, name + " source") << 5 | rd);
    }

    /** cmp a, b: SUBS xzr, a, b (shifted register form, so neither may be sp). */
    public void cmp(Reg a, Reg b) {
        emit("cmp " + a.x() + ", " + b.x(), 0xEB00001F | zr(b, "cmp operand") << 16 | zr(a, "cmp operand") << 5);
    }

    /**
     * and dst, src, #mask: AND (immediate), 64-bit. {@code mask} must be a bitmask immediate
     * (a rotated run of ones repeated across an element of 2, 4, ..., 64 bits; never 0 or ~0).
     * dst may be sp, which makes {@code and sp, x10, #0xfffffffffffffff0} align the stack.
     */
    public void and(Reg dst, Reg src, long mask) {
        int nImmrImms = bitmaskImmediate(mask);
        emit("and " + dst.x() + ", " + src.x() + ", #0x" + Long.toHexString(mask),
            0x92000000 | nImmrImms << 10 | zr(src, "and source") << 5 | sp(dst, "and destination"));
    }

    /**
     * The N:immr:imms fields (13 bits) that encode {@code mask} as a logical immediate, as the
     * Arm ARM's DecodeBitMasks reads them: the smallest element size whose copies make up the
     * mask, the number of ones in the element (imms, with the size coded in its high bits) and
     * the right rotation that puts the run where it is (immr).
     */
    static int bitmaskImmediate(long mask) {
        if (mask == 0 || mask == -1) {
            throw new IllegalArgumentException("0 and ~0 are not bitmask immediates");
        }
        int size = 64;
        while (size > 2) {
            int half = size / 2;
            long low = (1L << half) - 1;
            if ((mask & low) != ((mask >>> half) & low)) {
                break;
            }
            size = half;
        }
        long elementMask = size == 64 ? -1L : (1L << size) - 1;
        long element = mask & elementMask;
        int ones = Long.bitCount(element);
        long run = (1L << ones) - 1; // ones < size <= 64
        for (int rotation = 0; rotation < size; rotation++) {
            long rotated = rotation == 0 ? run : ((run >>> rotation) | (run << (size - rotation))) & elementMask;
            if (rotated == element) {
                int n = size == 64 ? 1 : 0;
                int imms = ((~(size - 1) << 1) & 0x3F) | (ones - 1);
                return n << 12 | rotation << 6 | imms;
            }
        }
        throw new IllegalArgumentException("not a bitmask immediate: 0x" + Long.toHexString(mask));
    }

    /** lsr dst, src, #shift: UBFM dst, src, #shift, #63 (a logical shift right by 0..63). */
    public void lsr(Reg dst, Reg src, int shift) {
        if (shift < 0 || shift > 63) {
            throw new IllegalArgumentException("lsr shifts by 0..63, not " + shift);
        }
        emit("lsr " + dst.x() + ", " + src.x() + ", " + imm(shift),
            0xD340FC00 | shift << 16 | zr(src, "lsr source") << 5 | zr(dst, "lsr destination"));
    }

    /** neg dst, src: SUB dst, xzr, src. */
    public void neg(Reg dst, Reg src) {
        emit("neg " + dst.x() + ", " + src.x(), 0xCB0003E0 | zr(src, "neg source") << 16 | zr(dst, "neg destination"));
    }

    // ---- system ----

    /** svc #0: the Linux system call (number in x8, arguments in x0..x5, result in x0). */
    public void svc() {
        emit("svc #0", 0xD4000001);
    }

    /** blr r: calls the function at r (x30 = the return address). */
    public void blr(Reg r) {
        if (r == Reg.SP || r == Reg.XZR) {
            throw new IllegalArgumentException("blr needs a general register, not " + r.x());
        }
        emit("blr " + r.x(), 0xD63F0000 | r.code() << 5);
    }

    /** ret: branch to x30. */
    public void ret() {
        emit("ret", 0xD65F03C0);
    }

    /** udf #0: permanently undefined, traps with SIGILL (the ud2 of AArch64). */
    public void udf() {
        emit("udf #0", 0x00000000);
    }

    /** brk #0: breakpoint, traps with SIGTRAP. */
    public void brk() {
        emit("brk #0", 0xD4200000);
    }

    // ---- branches ----

    /** b.cond label (within +-1 MiB). */
    public void b(Cond cond, Label target) {
        program.add(new Branch(0x54000000 | cond.code(), 19, 5, "b." + cond.name().toLowerCase(Locale.ROOT), target));
    }

    /** b label (within +-128 MiB). */
    public void b(Label target) {
        program.add(new Branch(0x14000000, 26, 0, "b", target));
    }

    /** cbz r, label: branch when r is zero (within +-1 MiB). */
    public void cbz(Reg r, Label target) {
        program.add(new Branch(0xB4000000 | zr(r, "cbz register"), 19, 5, "cbz " + r.x() + ",", target));
    }

    /** cbnz r, label: branch when r is not zero (within +-1 MiB). */
    public void cbnz(Reg r, Label target) {
        program.add(new Branch(0xB5000000 | zr(r, "cbnz register"), 19, 5, "cbnz " + r.x() + ",", target));
    }

    /** A PC-relative branch: a signed word offset of {@code bits} bits at bit {@code at}. */
    private record Branch(int opcode, int bits, int at, String head, Label target) implements Program.Branch {
        @Override
        public byte[] encode(int pc, Map<Label, Integer> labels, boolean longForm) {
            int delta = labels.getOrDefault(target, 0) - pc;
            int words = delta >> 2;
            if ((delta & 3) != 0 || words < -(1 << (bits - 1)) || words >= 1 << (bits - 1)) {
                throw new IllegalStateException(text() + " cannot reach its label: " + delta + " bytes");
            }
            int word = opcode | (words & ((1 << bits) - 1)) << at;
            return new byte[] {(byte) word, (byte) (word >>> 8), (byte) (word >>> 16), (byte) (word >>> 24)};
        }

        @Override
        public String text() {
            return head + " " + target;
        }
    }
}
