package dev.vfork4j.spawn.asm;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Machine code as a list of instructions, each with its GNU assembler text, assembled in one
 * place: branches whose size depends on the distance to their label are sized by relaxation
 * (start short, grow what does not fit, repeat), as GNU as does, so the bytes and the listing
 * assembled by GNU as can be compared exactly.
 */
public final class Program {

    /** One instruction: its bytes at a given position, given the label addresses. */
    interface Insn {
        /** Bytes of this instruction at {@code pc}; {@code longForm} is only meaningful for branches. */
        byte[] encode(int pc, Map<Label, Integer> labels, boolean longForm);

        /** True when the short form cannot reach: only branches ever answer true. */
        default boolean needsLong(int pc, Map<Label, Integer> labels) {
            return false;
        }

        String text();
    }

    private final List<Insn> insns = new ArrayList<>();
    private final List<Label> labelsAt = new ArrayList<>(); // label bound before insns.get(i), parallel by index
    private final Map<Label, Integer> boundIndex = new HashMap<>();
    private final SortedSet<Integer> stepKinds = new TreeSet<>();
    private int labelCount;

    Label newLabel(String hint) {
        return new Label(hint + "_" + labelCount++);
    }

    void bind(Label label) {
        if (label.index >= 0) {
            throw new IllegalStateException("label bound twice: " + label);
        }
        label.index = insns.size();
        boundIndex.put(label, insns.size());
        labelsAt.add(label);
    }

    /** Records that the code being emitted handles step kind {@code kind} ({@link PlanLayout}). */
    void handles(int kind) {
        stepKinds.add(kind);
    }

    /**
     * The step kinds this program handles, as its routine recorded them where it emitted each
     * kind's code: a kind not here is one the routine has no code for.
     */
    public SortedSet<Integer> stepKinds() {
        return Collections.unmodifiableSortedSet(stepKinds);
    }

    void add(Insn insn) {
        insns.add(insn);
    }

    /** Fixed bytes with their text. */
    void add(String text, byte... bytes) {
        byte[] copy = bytes.clone();
        insns.add(new Insn() {
            @Override
            public byte[] encode(int pc, Map<Label, Integer> labels, boolean longForm) {
                return copy;
            }

            @Override
            public String text() {
                return text;
            }
        });
    }

    /** The machine code. */
    public byte[] assemble() {
        boolean[] longForm = new boolean[insns.size()];
        Map<Label, Integer> addresses;
        while (true) {
            int[] pcs = positions(longForm);
            addresses = addresses(pcs);
            boolean grew = false;
            for (int i = 0; i < insns.size(); i++) {
                if (!longForm[i] && insns.get(i).needsLong(pcs[i], addresses)) {
                    longForm[i] = true;
                    grew = true;
                }
            }
            if (!grew) {
                break;
            }
        }
        int[] pcs = positions(longForm);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < insns.size(); i++) {
            out.writeBytes(insns.get(i).encode(pcs[i], addresses, longForm[i]));
        }
        return out.toByteArray();
    }

    private int[] positions(boolean[] longForm) {
        int[] pcs = new int[insns.size() + 1];
        Map<Label, Integer> provisional = new HashMap<>();
        // Sizes do not depend on label addresses for a given form, so any addresses will do here.
        for (Label l : labelsAt) {
            provisional.put(l, 0);
        }
        int pc = 0;
        for (int i = 0; i < insns.size(); i++) {
            pcs[i] = pc;
            pc += insns.get(i).encode(pc, provisional, longForm[i]).length;
        }
        pcs[insns.size()] = pc;
        return pcs;
    }

    private Map<Label, Integer> addresses(int[] pcs) {
        Map<Label, Integer> a = new HashMap<>();
        for (Label l : labelsAt) {
            a.put(l, pcs[l.index]);
        }
        return a;
    }

    /** GNU as source for the same program (labels as "name:"), without a syntax directive. */
    public String listing() {
        StringBuilder sb = new StringBuilder();
        int li = 0;
        for (int i = 0; i <= insns.size(); i++) {
            while (li < labelsAt.size() && labelsAt.get(li).index == i) {
                sb.append(labelsAt.get(li++).name).append(":\n");
            }
            if (i < insns.size()) {
                sb.append("    ").append(insns.get(i).text()).append('\n');
            }
        }
        return sb.toString();
    }

    void checkAllBound() {
        for (Insn insn : insns) {
            if (insn instanceof Branch b && b.target().index < 0) {
                throw new IllegalStateException("label never bound: " + b.target());
            }
        }
    }

    /** A branch to a label. */
    interface Branch extends Insn {
        Label target();
    }
}
