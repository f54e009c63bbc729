/**
 * Making a child: the table of mechanisms ({@code Technique}, with the attributes each can set
 * and its availability, probed by {@code Availability}), the launchers ({@code CloneLauncher}
 * for VFORK and FORK, {@code PosixSpawnLauncher}), the plan the child routine runs
 * ({@code SpawnPlan}, {@code Stdio}) and the failures they report ({@code Failures}).
 *
 * <p>May use: {@code dev.vfork4j.linux}, its own subpackages, and of the API only the values a
 * request is made of ({@code Redirect}, {@code Resource}, {@code Signal}) and the
 * {@code SpawnException} it throws ({@code LayeringTest}). Internal: not exported.
 */
package dev.vfork4j.spawn;
