/**
 * vfork4j's java agent: {@code -javaagent:vfork4j-agent.jar --enable-native-access=ALL-UNNAMED}
 * makes an unmodified JVM start its children through vfork4j. {@code Agent} is the premain;
 * {@code ProcessImplRewrite} rewrites java.lang.ProcessImpl.start with the ClassFile API so that
 * it offers each start to {@code ProcessImplHook} first; the hook starts the child through the
 * library ({@code dev.vfork4j.ProcessImplStart}) and returns it as a {@code JdkShapedProcess}, or
 * declines and the JDK's own code runs. {@code AgentStats} writes the figures that
 * {@code -Dvfork4j.agent.stats=FILE} asks for. The jar holds the library too; on the class path
 * the two share one unnamed module.
 */
package dev.vfork4j.agent;
