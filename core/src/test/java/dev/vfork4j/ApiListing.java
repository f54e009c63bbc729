package dev.vfork4j;

import java.io.IOException;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The public surface of one package as text, one line per type and member, for committing
 * beside the code (core/api/vfork4j.api) and comparing with what the build compiled, as OkHttp
 * commits okhttp/api/okhttp.api. A type is listed when code outside the package can name it (a
 * public top-level type, or a public or protected member type of one); of it, its public and
 * protected fields, constructors and methods, with modifiers, type parameters, generic types,
 * varargs and throws, and what declares it: kind, supertypes, the public types a sealed type
 * permits, record components, enum constants in declaration order (their order is
 * {@code ordinal()}). Members inherited from a listed or a JDK supertype are not repeated; the
 * public ones of a superclass the package keeps to itself are, since they are callable on
 * the listed class and appear nowhere else.
 *
 * <p>Read by reflection from the compiled classes, each loaded without being initialised, so no
 * static initialiser of the library runs. Types are sorted by name; within a type, enum
 * constants come first, then fields, constructors and methods, each sorted by name and then
 * rendering, so the text changes only when the API does.
 */
final class ApiListing {
    private ApiListing() {}

    /**
     * The listing of package {@code pkg}, whose class files lie under {@code classes} (a class
     * output directory) and which {@code loader} loads.
     */
    static String render(Path classes, String pkg, ClassLoader loader) throws IOException {
        Path dir = classes.resolve(pkg.replace('.', '/'));
        List<Class<?>> types = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String file = f.getFileName().toString();
                if (!file.endsWith(".class") || file.equals("package-info.class")) {
                    continue;
                }
                String name = pkg + "." + file.substring(0, file.length() - ".class".length());
                Class<?> c;
                try {
                    c = Class.forName(name, false, loader);
                } catch (ClassNotFoundException e) {
                    throw new IOException("cannot load " + name + " from " + dir, e);
                }
                if (exposed(c)) {
                    types.add(c);
                }
            }
        }
        types.sort(Comparator.comparing(Class::getName));
        StringBuilder out = new StringBuilder();
        for (Class<?> c : types) {
            if (!out.isEmpty()) {
                out.append('\n');
            }
            out.append(header(c)).append('\n');
            for (String member : members(c)) {
                out.append("  ").append(member).append('\n');
            }
        }
        return out.toString();
    }

    /** Whether code outside the package can name {@code c}. */
    private static boolean exposed(Class<?> c) {
        if (c.isSynthetic() || c.isAnonymousClass() || c.isLocalClass()) {
            return false;
        }
        Class<?> outer = c.getDeclaringClass();
        if (outer == null) {
            return Modifier.isPublic(c.getModifiers());
        }
        return (Modifier.isPublic(c.getModifiers()) || Modifier.isProtected(c.getModifiers())) && exposed(outer);
    }

    private static String header(Class<?> c) {
        StringBuilder h = new StringBuilder(deprecation(c));
        int mods = c.getModifiers();
        String kind;
        if (c.isAnnotation()) {
            kind = "@interface";
            mods &= ~(Modifier.ABSTRACT | Modifier.INTERFACE);
        } else if (c.isInterface()) {
            kind = "interface";
            mods &= ~(Modifier.ABSTRACT | Modifier.INTERFACE);
        } else if (c.isEnum()) {
            // final or abstract as constant bodies happen to need; no one can extend an enum either way
            kind = "enum";
            mods &= ~(Modifier.FINAL | Modifier.ABSTRACT);
        } else if (c.isRecord()) {
            kind = "record";
        } else {
            kind = "class";
        }
        h.append(Modifier.toString(mods & Modifier.classModifiers()));
        // An enum with a constant that has a body is sealed, implicitly; records and enums are never non-sealed.
        boolean extensible = kind.equals("class") || kind.equals("interface");
        if (extensible && c.isSealed()) {
            h.append(" sealed");
        } else if (extensible && !Modifier.isFinal(mods) && sealedSuper(c)) {
            h.append(" non-sealed");
        }
        h.append(' ').append(kind).append(' ').append(c.getName()).append(typeParameters(c.getTypeParameters(), ""));
        if (c.isRecord()) {
            h.append(Arrays.stream(c.getRecordComponents())
                .map(rc -> rc.getGenericType().getTypeName() + " " + rc.getName())
                .collect(Collectors.joining(", ", "(", ")")));
        }
        // Supertypes the package keeps to itself are left out: they are no one else's to name.
        Type sup = c.getGenericSuperclass();
        for (Class<?> s = c.getSuperclass(); hiddenSuperclass(s, c); s = s.getSuperclass()) {
            sup = s.getGenericSuperclass();
        }
        if (sup != null && !c.isEnum() && !c.isRecord() && sup != Object.class) {
            h.append(" extends ").append(sup.getTypeName());
        }
        List<Type> interfaces = new ArrayList<>();
        for (Type t : c.getGenericInterfaces()) {
            Class<?> raw = t instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) t;
            if (!raw.getPackageName().equals(c.getPackageName()) || exposed(raw)) {
                interfaces.add(t);
            }
        }
        if (!interfaces.isEmpty() && !c.isAnnotation()) {
            h.append(c.isInterface() ? " extends " : " implements ").append(interfaces.stream()
                .map(Type::getTypeName).collect(Collectors.joining(", ")));
        }
        if (extensible && c.isSealed()) {
            // Only what the listing shows: a permitted class the package keeps to itself is not API.
            List<String> permitted = Arrays.stream(c.getPermittedSubclasses()).filter(ApiListing::exposed)
                .map(Class::getName).sorted().toList();
            if (!permitted.isEmpty()) {
                h.append(" permits ").append(String.join(", ", permitted));
            }
        }
        return h.toString().strip();
    }

    private static boolean sealedSuper(Class<?> c) {
        return (c.getSuperclass() != null && c.getSuperclass().isSealed())
            || Arrays.stream(c.getInterfaces()).anyMatch(Class::isSealed);
    }

    private static List<String> members(Class<?> c) {
        List<String> out = new ArrayList<>();
        List<Field> fields = new ArrayList<>();
        List<Method> methods = new ArrayList<>();
        for (Class<?> k = c; k == c || hiddenSuperclass(k, c); k = k.getSuperclass()) {
            for (Field f : k.getDeclaredFields()) {
                if (f.isEnumConstant()) {
                    out.add(deprecation(f) + "enum constant " + f.getName()); // declaration order: ordinal()
                } else if (visible(f)) {
                    fields.add(f);
                }
            }
            for (Method m : k.getDeclaredMethods()) {
                if (visible(m) && !m.isBridge() && methods.stream().noneMatch(o -> overrides(o, m))) {
                    methods.add(m);
                }
            }
        }
        out.addAll(sorted(fields.stream().map(f -> new Line(f.getName(), deprecation(f)
            + modifiers(f.getModifiers() & Modifier.fieldModifiers()) + f.getGenericType().getTypeName() + " " + f.getName()))));
        out.addAll(sorted(Arrays.stream(c.getDeclaredConstructors()).filter(ApiListing::visible)
            .map(k -> new Line("", executable(k, null)))));
        out.addAll(sorted(methods.stream().map(m -> new Line(m.getName(), executable(m, m)))));
        return out;
    }

    /** Whether {@code k}, a superclass of {@code c}, is in its package and not listed itself. */
    private static boolean hiddenSuperclass(Class<?> k, Class<?> c) {
        return k != null && k.getPackageName().equals(c.getPackageName()) && !exposed(k);
    }

    private static boolean overrides(Method sub, Method sup) {
        return sub.getName().equals(sup.getName()) && Arrays.equals(sub.getParameterTypes(), sup.getParameterTypes());
    }

    private record Line(String name, String text) {}

    private static List<String> sorted(Stream<Line> lines) {
        return lines.sorted(Comparator.comparing(Line::name).thenComparing(Line::text)).map(Line::text).toList();
    }

    private static boolean visible(Member m) {
        return !m.isSynthetic() && (Modifier.isPublic(m.getModifiers()) || Modifier.isProtected(m.getModifiers()));
    }

    /** A constructor ({@code method} null) or a method, without the name of the class that declares it. */
    private static String executable(Executable e, Method method) {
        int mods = e.getModifiers() & (method == null ? Modifier.constructorModifiers() : Modifier.methodModifiers());
        StringBuilder s = new StringBuilder(deprecation(e));
        if (method != null && method.isDefault()) {
            s.append(modifiers(mods)).append("default ");
        } else {
            s.append(modifiers(mods));
        }
        s.append(typeParameters(e.getTypeParameters(), " "));
        if (method != null) {
            s.append(method.getGenericReturnType().getTypeName()).append(' ').append(method.getName());
        } else {
            s.append(((Constructor<?>) e).getDeclaringClass().getSimpleName());
        }
        Type[] params = e.getGenericParameterTypes();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < params.length; i++) {
            String name = params[i].getTypeName();
            if (e.isVarArgs() && i == params.length - 1) {
                name = name.substring(0, name.length() - 2) + "...";
            }
            names.add(name);
        }
        s.append('(').append(String.join(", ", names)).append(')');
        Type[] thrown = e.getGenericExceptionTypes();
        if (thrown.length > 0) {
            s.append(" throws ").append(Arrays.stream(thrown).map(Type::getTypeName).sorted()
                .collect(Collectors.joining(", ")));
        }
        return s.toString();
    }

    private static String modifiers(int mods) {
        String m = Modifier.toString(mods);
        return m.isEmpty() ? "" : m + " ";
    }

    private static String typeParameters(TypeVariable<?>[] vars, String after) {
        if (vars.length == 0) {
            return "";
        }
        return Arrays.stream(vars).map(v -> {
            List<Type> bounds = Arrays.stream(v.getBounds()).filter(b -> b != Object.class).toList();
            return bounds.isEmpty() ? v.getName()
                : v.getName() + " extends " + bounds.stream().map(Type::getTypeName).collect(Collectors.joining(" & "));
        }).collect(Collectors.joining(", ", "<", ">")) + after;
    }

    private static String deprecation(AnnotatedElement e) {
        Deprecated d = e.getAnnotation(Deprecated.class);
        if (d == null) {
            return "";
        }
        return d.forRemoval() ? "@Deprecated(forRemoval=true) " : "@Deprecated ";
    }

    /**
     * The lines of {@code recorded} and {@code current} that differ ({@code -} recorded only,
     * {@code +} current only), each under the type line it belongs to, in the order of a
     * longest-common-subsequence diff.
     */
    static String diff(String recorded, String current) {
        List<String> a = recorded.lines().toList();
        List<String> b = current.lines().toList();
        int[][] lcs = new int[a.size() + 1][b.size() + 1];
        for (int i = a.size() - 1; i >= 0; i--) {
            for (int j = b.size() - 1; j >= 0; j--) {
                lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        StringBuilder out = new StringBuilder();
        String header = null;
        String shown = null;
        int i = 0;
        int j = 0;
        while (i < a.size() || j < b.size()) {
            String line;
            char sign;
            if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
                line = a.get(i);
                sign = ' ';
                i++;
                j++;
            } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
                line = a.get(i++);
                sign = '-';
            } else {
                line = b.get(j++);
                sign = '+';
            }
            boolean isHeader = !line.isEmpty() && !line.startsWith(" ");
            if (sign == ' ') {
                if (isHeader) {
                    header = line;
                }
                continue;
            }
            if (!isHeader && header != null && !header.equals(shown)) {
                out.append("  ").append(header).append('\n');
                shown = header;
            }
            out.append(sign).append(' ').append(line).append('\n');
            if (isHeader) {
                header = line;
                shown = line;
            }
        }
        return out.toString();
    }
}
