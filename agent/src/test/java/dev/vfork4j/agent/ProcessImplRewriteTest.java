package dev.vfork4j.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vfork4j.spawn.ProcessImplTarget;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.Instruction;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.ConstantInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rewrite of java.lang.ProcessImpl.start: on this JDK's class the hook is offered first and
 * the JDK's code follows intact; a class whose method is not the one the agent knows is left
 * unchanged, with the reason the agent logs.
 */
class ProcessImplRewriteTest {

    private static byte[] thisJdksProcessImpl() throws Exception {
        try (InputStream in = Object.class.getResourceAsStream("/java/lang/ProcessImpl.class")) {
            return in.readAllBytes();
        }
    }

    private static MethodModel start(byte[] classBytes) {
        return ClassFile.of().parse(classBytes).methods().stream().filter(ProcessImplRewrite::isTarget).findFirst().orElseThrow();
    }

    private static List<Instruction> instructions(MethodModel m) {
        return m.code().orElseThrow().elementList().stream()
            .filter(Instruction.class::isInstance).map(Instruction.class::cast).toList();
    }

    @Test
    void thisJdksStartOffersTheRequestToTheHookThenRunsItsOwnCode() throws Exception {
        byte[] original = thisJdksProcessImpl();
        assertThat(ProcessImplTarget.mismatch(original)).isNull();
        assertThat(ProcessImplTarget.mismatchHere()).isNull();

        ProcessImplRewrite rewrite = new ProcessImplRewrite();
        byte[] rewritten = rewrite.transform(null, null, "java/lang/ProcessImpl", null, null, original);
        assertThat(rewrite.outcome()).isNull();
        assertThat(rewritten).isNotNull();

        List<Instruction> before = instructions(start(original));
        List<Instruction> after = instructions(start(rewritten));
        assertThat(after.getFirst()).isInstanceOfSatisfying(ConstantInstruction.class,
            ldc -> assertThat(ldc.constantValue()).isEqualTo(ProcessImplHook.class.getName()));
        // The JDK's instructions follow the offer, every one of them, in order.
        List<String> tail = after.subList(after.size() - before.size(), after.size()).stream().map(Object::toString).toList();
        assertThat(tail).isEqualTo(before.stream().map(Object::toString).toList());
        assertThat(ClassFile.of().verify(rewritten)).isEmpty();
        // Every other method is left as it was.
        assertThat(ClassFile.of().parse(rewritten).methods()).hasSameSizeAs(ClassFile.of().parse(original).methods());
    }

    @Test
    void aStartOfAnotherTypeIsLeftAloneWithTheReason() {
        MethodTypeDesc otherType = ProcessImplTarget.METHOD_TYPE.insertParameterTypes(5, ConstantDescs.CD_boolean);
        byte[] other = ClassFile.of().build(ClassDesc.of("java.lang.ProcessImpl"), cb -> cb.withMethodBody("start", otherType,
            ClassFile.ACC_STATIC, code -> code.aconst_null().areturn()));
        ProcessImplRewrite rewrite = new ProcessImplRewrite();
        assertThat(rewrite.transform(null, null, "java/lang/ProcessImpl", null, null, other)).isNull();
        assertThat(rewrite.outcome()).isEqualTo("java.lang.ProcessImpl.start is not static "
            + ProcessImplTarget.METHOD_TYPE.displayDescriptor() + " on this JDK (the agent knows JDK 25's)");
    }

    @Test
    void aProcessImplWithoutStartIsLeftAloneWithTheReason() {
        byte[] none = ClassFile.of().build(ClassDesc.of("java.lang.ProcessImpl"), cb -> { });
        ProcessImplRewrite rewrite = new ProcessImplRewrite();
        assertThat(rewrite.transform(null, null, "java/lang/ProcessImpl", null, null, none)).isNull();
        assertThat(rewrite.outcome()).isEqualTo("java.lang.ProcessImpl has no method start on this JDK (the agent knows JDK 25's)");
    }

    @Test
    void anInstanceStartIsNotTheMethod() {
        byte[] instance = ClassFile.of().build(ClassDesc.of("java.lang.ProcessImpl"), cb -> cb.withMethodBody("start",
            ProcessImplTarget.METHOD_TYPE, 0, code -> code.aconst_null().areturn()));
        assertThat(ProcessImplTarget.mismatch(instance)).startsWith("java.lang.ProcessImpl.start is not static");
    }

    @Test
    void otherClassesAndLoadersAreNotTouched() throws Exception {
        ProcessImplRewrite rewrite = new ProcessImplRewrite();
        byte[] original = thisJdksProcessImpl();
        assertThat(rewrite.transform(null, ClassLoader.getSystemClassLoader(), "java/lang/ProcessImpl", null, null, original)).isNull();
        assertThat(rewrite.transform(null, null, "java/lang/ProcessBuilder", null, null, original)).isNull();
        assertThat(rewrite.outcome()).isEqualTo("java.lang.ProcessImpl was not loaded while the agent watched");
    }

}
