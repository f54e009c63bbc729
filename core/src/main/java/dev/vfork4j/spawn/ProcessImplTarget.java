package dev.vfork4j.spawn;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.reflect.AccessFlag;

/**
 * The JDK method vfork4j's agent rewrites: the static
 * {@code java.lang.ProcessImpl.start(String[], Map, String, ProcessBuilder.Redirect[], boolean)}
 * that ProcessBuilder.start, startPipeline and Runtime.exec all reach (JDK 25), and whether a
 * class file holds it as the agent knows it. The agent checks the class it is given;
 * {@code doctor} checks this JDK's.
 */
public final class ProcessImplTarget {
    private ProcessImplTarget() {}

    /** The class's internal name. */
    public static final String CLASS_NAME = "java/lang/ProcessImpl";
    /** The method's name. */
    public static final String METHOD_NAME = "start";
    /** The method's type: (String[], Map, String, Redirect[], boolean) Process. */
    public static final MethodTypeDesc METHOD_TYPE = MethodTypeDesc.of(ClassDesc.of("java.lang.Process"),
        ConstantDescs.CD_String.arrayType(), ClassDesc.of("java.util.Map"), ConstantDescs.CD_String,
        ClassDesc.of("java.lang.ProcessBuilder$Redirect").arrayType(), ConstantDescs.CD_boolean);

    /**
     * Why the class file {@code bytes} does not hold the method as the agent knows it, or null
     * when it does: static, with code, of exactly {@link #METHOD_TYPE}.
     *
     * @param bytes a class file of java.lang.ProcessImpl
     * @return null, or the reason in a few words
     */
    public static String mismatch(byte[] bytes) {
        ClassModel model;
        try {
            model = ClassFile.of().parse(bytes);
        } catch (IllegalArgumentException e) {
            return "its class file cannot be read (" + e.getMessage() + ")";
        }
        boolean named = false;
        for (MethodModel m : model.methods()) {
            if (!m.methodName().equalsString(METHOD_NAME)) {
                continue;
            }
            named = true;
            if (m.methodTypeSymbol().equals(METHOD_TYPE) && m.flags().has(AccessFlag.STATIC) && m.code().isPresent()) {
                return null;
            }
        }
        return named
            ? "java.lang.ProcessImpl.start is not static " + METHOD_TYPE.displayDescriptor() + " on this JDK"
            : "java.lang.ProcessImpl has no method start on this JDK";
    }

    /**
     * As {@link #mismatch(byte[])} for this JVM's own java.lang.ProcessImpl, read from the
     * runtime image (class files are never encapsulated).
     *
     * @return null, or the reason
     */
    public static String mismatchHere() {
        try (InputStream in = Object.class.getResourceAsStream("/" + CLASS_NAME + ".class")) {
            if (in == null) {
                return "this JDK has no java.lang.ProcessImpl";
            }
            return mismatch(in.readAllBytes());
        } catch (IOException e) {
            return "java.lang.ProcessImpl's class file cannot be read: " + e.getMessage();
        }
    }
}
