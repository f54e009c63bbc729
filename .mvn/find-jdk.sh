# Sourced by ./mvnw and ./vfork4j (POSIX sh): points JAVA_HOME at a JDK 25 or newer.
# Looks in JAVA_HOME, then the `java` on PATH, then /usr/lib/jvm/* (highest version wins).
# Stops with a message saying what to install when there is none.
#
# Plain `mvn` does not come through here and may run on an older JDK. .mvn/jvm.config (which
# cannot hold comments under Maven 3.8) passes --sun-misc-unsafe-memory-access=allow, silencing
# the sun.misc.Unsafe warnings Maven's Guice prints on JDK 24+, behind
# -XX:+IgnoreUnrecognizedVMOptions: a JDK 17 JVM ignores the option instead of refusing to start,
# so the build reaches the enforcer's "vfork4j needs JDK 25 or newer" (OldJdkBuildTest).

vfork4j_jdk_major() {
  # Prints the feature version of the JDK at $1 ("25" for 25.0.3, "8" for 1.8.0), or nothing.
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  # The JDK's release file says it without starting a JVM (tens of ms each, paid on every
  # ./vfork4j start); java -version answers for a JDK without one.
  { sed -n 's/^JAVA_VERSION="\([0-9][0-9.]*\).*/\1/p' "$1/release" 2>/dev/null | grep . ||
    "$1/bin/java" -version 2>&1 | sed -n '1s/.*version "\([0-9][0-9.]*\).*/\1/p'; } |
    awk -F. 'NR == 1 { if ($1 == 1) print $2; else print $1 }'
}

vfork4j_find_jdk() {
  if [ -n "${JAVA_HOME:-}" ]; then
    v=$(vfork4j_jdk_major "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then return 0; fi
  fi
  if command -v java >/dev/null 2>&1; then
    home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    v=$(vfork4j_jdk_major "$home")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then JAVA_HOME=$home; export JAVA_HOME; return 0; fi
  fi
  best= bestv=0
  for home in /usr/lib/jvm/*; do
    [ -d "$home" ] || continue
    v=$(vfork4j_jdk_major "$home")
    if [ -n "$v" ] && [ "$v" -ge 25 ] && [ "$v" -gt "$bestv" ]; then best=$home bestv=$v; fi
  done
  if [ -n "$best" ]; then JAVA_HOME=$best; export JAVA_HOME; return 0; fi
  cat >&2 <<MSG
vfork4j needs a JDK 25 or newer and found none:
  JAVA_HOME=${JAVA_HOME:-<unset>}, java on PATH: $(command -v java || echo '<none>'), nothing suitable under /usr/lib/jvm.
Install one (Debian/Ubuntu: apt-get install openjdk-25-jdk, or a Temurin 25 JDK) and set JAVA_HOME to it.
MSG
  return 1
}

vfork4j_find_jdk || exit 1
