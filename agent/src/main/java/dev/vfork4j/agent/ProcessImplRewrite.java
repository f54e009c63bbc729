package dev.vfork4j.agent;

import static java.lang.constant.ConstantDescs.CD_Boolean;
import static java.lang.constant.ConstantDescs.CD_Class;
import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_String;
import static java.lang.constant.ConstantDescs.CD_boolean;

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
import java.lang.constant.MethodTypeDesc;
import java.lang.instrument.ClassFileTransformer;
import java.lang.reflect.AccessFlag;
import java.security.ProtectionDomain;

/**
 * Rewrites java.lang.ProcessImpl.start with the ClassFile API so that its body first offers
 * the request to {@link ProcessImplHook#HOOK}, and runs its own code when the hook declines:
 *
 * <pre>
 * Function hook;
 * try {
 *     hook = (Function) Class.forName("dev.vfork4j.agent.ProcessImplHook", true,
 *         ClassLoader.getSystemClassLoader()).getField("HOOK").get(null);
 * } catch (Throwable t) {
 *     goto jdk;                      // the hook cannot be found: the JDK's code, as if there were no agent
 * }
 * Object p = hook.apply(new Object[] {cmdarray, environment, dir, redirects, redirectErrorStream,
 *     MethodHandles.lookup()});      // throws the IOException a failed start throws
 * if (p != null) return (Process) p;
 * jdk: ... the JDK's code, unchanged ...
 * </pre>
 *
 * java.base cannot name a class of the application class loader, so the call goes through a
 * java.base interface, and the hook is found by name (core reflection needs no module to read
 * another; the hook's package is exported by the class path's unnamed module). The lookup (a
 * few hundred nanoseconds a start, beside a spawn's tens of microseconds) needs no field added
 * to ProcessImpl, so the same rewrite serves a class being loaded and one already loaded
 * (retransformation may not add fields). {@code MethodHandles.lookup()} made inside ProcessImpl
 * gives the hook what ProcessImpl itself uses (the FileDescriptor access, a pipeline's
 * RedirectPipeImpl, the JDK's null streams) without opening java.lang or java.io to anyone.
 *
 * <p>The method's own code is kept, not wrapped: another agent's advice on the same method (an
 * APM or security agent) still sees every call. A class whose method is not the one the agent
 * knows ({@link ProcessImplTarget}) is left as it is, and {@link #outcome()} says why.
 */
final class ProcessImplRewrite implements ClassFileTransformer {
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

    /** True when the rewritten code will find the hook: this class's loader is the system class loader, or one it delegates to. */
    static boolean hookReachable() {
        try {
            return Class.forName(ProcessImplHook.class.getName(), false, ClassLoader.getSystemClassLoader()) == ProcessImplHook.class;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static final ClassDesc CD_ClassLoader = ClassDesc.of("java.lang.ClassLoader");
    private static final ClassDesc CD_FUNCTION = ClassDesc.of("java.util.function.Function");
    private static final ClassDesc CD_FIELD = ClassDesc.of("java.lang.reflect.Field");
    private static final ClassDesc CD_PROCESS = ClassDesc.of("java.lang.Process");
    private static final ClassDesc CD_METHOD_HANDLES = ClassDesc.of("java.lang.invoke.MethodHandles");
    private static final ClassDesc CD_LOOKUP = ClassDesc.of("java.lang.invoke.MethodHandles$Lookup");

    /** Prepends the offer; every element of the original code follows as it was. */
    private static final class OfferFirst implements CodeTransform {
        @Override
        public void atStart(CodeBuilder b) {
            Label tryStart = b.newLabel();
            Label tryEnd = b.newLabel();
            Label handler = b.newLabel();
            Label found = b.newLabel();
            Label declined = b.newLabel();
            Label jdk = b.newLabel();
            b.labelBinding(tryStart)
                .ldc(ProcessImplHook.class.getName())
                .iconst_1()
                .invokestatic(CD_ClassLoader, "getSystemClassLoader", MethodTypeDesc.of(CD_ClassLoader))
                .invokestatic(CD_Class, "forName", MethodTypeDesc.of(CD_Class, CD_String, CD_boolean, CD_ClassLoader))
                .ldc("HOOK")
                .invokevirtual(CD_Class, "getField", MethodTypeDesc.of(CD_FIELD, CD_String))
                .aconst_null()
                .invokevirtual(CD_FIELD, "get", MethodTypeDesc.of(CD_Object, CD_Object))
                .checkcast(CD_FUNCTION)
                .labelBinding(tryEnd)
                .goto_(found)
                .labelBinding(handler)
                .pop()
                .goto_(jdk)
                .labelBinding(found)
                .bipush(6)
                .anewarray(CD_Object);
            for (int i = 0; i < 4; i++) {
                b.dup().bipush(i).aload(i).aastore();
            }
            b.dup().iconst_4().iload(4)
                .invokestatic(CD_Boolean, "valueOf", MethodTypeDesc.of(CD_Boolean, CD_boolean)).aastore();
            b.dup().iconst_5()
                .invokestatic(CD_METHOD_HANDLES, "lookup", MethodTypeDesc.of(CD_LOOKUP)).aastore();
            b.invokeinterface(CD_FUNCTION, "apply", MethodTypeDesc.of(CD_Object, CD_Object))
                .dup()
                .ifnull(declined)
                .checkcast(CD_PROCESS)
                .areturn()
                .labelBinding(declined)
                .pop()
                .labelBinding(jdk)
                .exceptionCatchAll(tryStart, tryEnd, handler);
        }

        @Override
        public void accept(CodeBuilder b, CodeElement e) {
            b.with(e);
        }
    }
}
