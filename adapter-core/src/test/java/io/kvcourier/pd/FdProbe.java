package io.kvcourier.pd;

import io.kvcourier.verbs.gen.libc_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Reads an eventfd the adapter owns, as a controller would: the counter, or 0 when nothing was written (EAGAIN). */
final class FdProbe {
    private FdProbe() {
    }

    static long read(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(8, 8);
            long n = libc_h.read(fd, buf, 8);
            return n == 8 ? buf.get(ValueLayout.JAVA_LONG, 0) : 0;
        }
    }
}
