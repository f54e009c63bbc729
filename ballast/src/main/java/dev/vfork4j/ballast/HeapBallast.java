package dev.vfork4j.ballast;

import java.util.ArrayList;
import java.util.List;

/**
 * A parent JVM as large to the kernel as its heap says: the whole heap resident from the JVM's
 * start, and half of it a live set. The figures on the parent's size are taken from such JVMs
 * ({@code bench}'s workers, the JMH {@code ParentSizeBenchmark}, the lab's parent-size probe):
 * FORK copies the page tables of every resident page, so FORK's cost grows with them, and VFORK's,
 * which copies none, should not.
 *
 * <p>The heap comes from the flags the JVM is started with, {@link #jvmFlags(int)}: {@code -Xms}
 * equal to {@code -Xmx}, so the heap is committed whole and never shrinks, and
 * {@value #ALWAYS_PRE_TOUCH}, so the JVM writes every page of it before {@code main}: the pages and
 * their page tables exist, whatever the program then allocates. The ballast comes from
 * {@link #fillHalfTheHeap()} in the JVM itself: a real live set of that size, as a large
 * application has, for the collector to keep and move.
 */
public final class HeapBallast {

    /** The flag that has the JVM write every page of its heap at startup. */
    public static final String ALWAYS_PRE_TOUCH = "-XX:+AlwaysPreTouch";
    /**
     * Below half of G1's smallest region (1 MiB), so no ballast array is humongous: a live set of
     * ordinary objects, which G1 copies from the young generation to the old one as any other.
     */
    static final int CHUNK_BYTES = 256 << 10;
    static final int PAGE_BYTES = 4096;

    private final List<byte[]> chunks;

    private HeapBallast(List<byte[]> chunks) {
        this.chunks = chunks;
    }

    /**
     * The flags that start a JVM with a pre-touched heap of {@code heapMb} MiB:
     * {@code -Xms<heapMb>m}, {@code -Xmx<heapMb>m}, {@value #ALWAYS_PRE_TOUCH}, in that order.
     *
     * @throws IllegalArgumentException if {@code heapMb} is not positive
     */
    public static List<String> jvmFlags(int heapMb) {
        if (heapMb <= 0) {
            throw new IllegalArgumentException("heapMb must be positive, not " + heapMb);
        }
        return List.of("-Xms" + heapMb + "m", "-Xmx" + heapMb + "m", ALWAYS_PRE_TOUCH);
    }

    /**
     * Allocates half of this JVM's heap ({@link Runtime#maxMemory()} / 2, rounded up to whole
     * 256 KiB arrays), writes a byte in every 4 KiB page of each array, whatever the JVM did or did
     * not zero, then runs a full collection ({@link System#gc()}) so the ballast has settled in the
     * old generation before anything is measured. The arrays stay live as long as the returned
     * object does: keep it in a field for as long as the ballast should count.
     */
    public static HeapBallast fillHalfTheHeap() {
        return fill(Runtime.getRuntime().maxMemory() / 2);
    }

    /** At least {@code bytes} of ballast, in whole arrays, then a full collection. */
    static HeapBallast fill(long bytes) {
        List<byte[]> chunks = new ArrayList<>();
        for (long filled = 0; filled < bytes; filled += CHUNK_BYTES) {
            byte[] chunk = new byte[CHUNK_BYTES];
            for (int i = 0; i < CHUNK_BYTES; i += PAGE_BYTES) {
                chunk[i] = 1;
            }
            chunks.add(chunk);
        }
        System.gc();
        return new HeapBallast(chunks);
    }

    /** The ballast's size: its arrays' lengths added up. */
    public long bytes() {
        return (long) chunks.size() * CHUNK_BYTES;
    }

    /** The arrays themselves, for the test that checks what was written. */
    List<byte[]> chunks() {
        return chunks;
    }
}
