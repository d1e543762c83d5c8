package io.kvcourier.verbs;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Reflection over the generated header classes: which constants and functions they bind. */
final class GenBindings {
    static final String GEN = "io.kvcourier.verbs.gen.";

    private GenBindings() {
    }

    static Class<?> genClass(String simpleName) throws ClassNotFoundException {
        return Class.forName(GEN + simpleName);
    }

    /** Function names: those with a {@code name$descriptor()} method, plus variadic invoker classes. */
    static Set<String> functions(Class<?> header) {
        Set<String> names = new TreeSet<>();
        for (Method m : header.getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers()) && m.getName().endsWith("$descriptor")) {
                names.add(m.getName().substring(0, m.getName().length() - "$descriptor".length()));
            }
        }
        for (Class<?> nested : header.getDeclaredClasses()) {
            if (Modifier.isPublic(nested.getModifiers())
                    && java.util.Arrays.stream(nested.getDeclaredMethods()).anyMatch(m -> m.getName().equals("makeInvoker"))) {
                names.add(nested.getSimpleName());
            }
        }
        return names;
    }

    /** Constants: public static no-argument methods returning int, long or a pointer; value as a long. */
    static Map<String, Long> constants(Class<?> header) throws ReflectiveOperationException {
        Set<String> functions = functions(header);
        Map<String, Long> values = new TreeMap<>();
        for (Method m : header.getDeclaredMethods()) {
            int mod = m.getModifiers();
            if (!Modifier.isPublic(mod) || !Modifier.isStatic(mod) || m.getParameterCount() != 0
                    || m.getName().contains("$") || functions.contains(m.getName())) {
                continue;
            }
            Object v = m.invoke(null);
            if (v instanceof Integer i) {
                values.put(m.getName(), (long) i);
            } else if (v instanceof Long l) {
                values.put(m.getName(), l);
            } else if (v instanceof MemorySegment s) {
                values.put(m.getName(), s.address());
            }
        }
        return values;
    }
}
