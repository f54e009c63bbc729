package dev.vfork4j.agent;

import dev.vfork4j.spawn.ProcessImplTarget;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.Label;
import java.lang.classfile.MethodModel;
import java.lang.constant.ClassDesc;
import java.lang.instrument.ClassFileTransformer;
import java.lang.reflect.AccessFlag;
import java.security.ProtectionDomain;

/**
 * Rewrites java.lang.ProcessImpl.start with the ClassFile API so that its body first offers
 * the request to {@link ProcessImplHook#start}, and runs its own code when the hook declines:
 *
 * <pre>
 * Process p = ProcessImplHook.start(cmdarray, environment, dir, redirects, redirectErrorStream);
 * if (p != null) return p;
 * ... the JDK's code, unchanged ...
 * </pre>
 *
 * The method's own code is kept, not wrapped: another agent's advice on the same method (an APM
 * or security agent) still sees every call. A class whose method is not the one the agent
 * knows ({@link ProcessImplTarget}) is left as it is, and {@link #outcome()} says why.
 */
final class ProcessImplRewrite implements ClassFileTransformer {
    static final ClassDesc HOOK = ClassDesc.of(ProcessImplHook.class.getName());

    /** null: rewritten; else why not. Set by the transform, read after it. */
    private volatile String outcome = "java.lang.ProcessImpl was not loaded while the agent watched";

    String outcome() {
        return outcome;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
                            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        if (loader != null || !ProcessImplTarget.CLASS_NAME.equals(className)) {
            return null;
        }
        try {
            String mismatch = ProcessImplTarget.mismatch(classfileBuffer);
            if (mismatch != null) {
                outcome = mismatch + " (the agent knows JDK 25's)";
                return null;
            }
            byte[] rewritten = rewrite(classfileBuffer);
            outcome = null;
            return rewritten;
        } catch (RuntimeException | LinkageError e) {
            outcome = "java.lang.ProcessImpl could not be rewritten (" + e + ")";
            return null; // a transformer's exception is dropped by the JVM: the class loads unchanged
        }
    }

    /** The class with the hook call at the top of start; the caller has checked the method is there. */
    static byte[] rewrite(byte[] classBytes) {
        ClassFile cf = ClassFile.of();
        ClassModel model = cf.parse(classBytes);
        return cf.transformClass(model, ClassTransform.transformingMethodBodies(ProcessImplRewrite::isTarget, new OfferFirst()));
    }

    static boolean isTarget(MethodModel m) {
        return m.methodName().equalsString(ProcessImplTarget.METHOD_NAME)
            && m.methodTypeSymbol().equals(ProcessImplTarget.METHOD_TYPE)
            && m.flags().has(AccessFlag.STATIC);
    }

    /** Prepends the offer to the hook; every element of the original code follows as it was. */
    private static final class OfferFirst implements CodeTransform {
        @Override
        public void atStart(CodeBuilder b) {
            Label declined = b.newLabel();
            b.aload(0).aload(1).aload(2).aload(3).iload(4)
                .invokestatic(HOOK, "start", ProcessImplTarget.METHOD_TYPE)
                .dup()
                .ifnull(declined)
                .areturn()
                .labelBinding(declined)
                .pop();
        }

        @Override
        public void accept(CodeBuilder b, CodeElement e) {
            b.with(e);
        }
    }
}
