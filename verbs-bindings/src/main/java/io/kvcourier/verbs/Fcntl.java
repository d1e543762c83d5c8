package io.kvcourier.verbs;

import io.kvcourier.verbs.gen.libc_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** {@code fcntl(2)} helpers for file descriptors kvcourier receives from native libraries. */
public final class Fcntl {
    private Fcntl() {
    }

    /**
     * Sets {@code O_NONBLOCK} on {@code fd} (for example an {@code ibv_comp_channel} or the async
     * event fd of an {@code ibv_context}), keeping its other status flags. Not for hot paths.
     *
     * @param fd an open file descriptor
     * @throws NativeException naming {@code fcntl} when the fd is invalid
     */
    public static void setNonBlocking(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Errno.allocateState(arena);
            int flags = Syscalls.fcntl(state, fd, libc_h.F_GETFL(), 0);
            if (flags == -1) {
                throw new NativeException("fcntl", Errno.get(state), "F_GETFL fd " + fd);
            }
            if ((flags & libc_h.O_NONBLOCK()) != 0) {
                return;
            }
            if (Syscalls.fcntl(state, fd, libc_h.F_SETFL(), flags | libc_h.O_NONBLOCK()) == -1) {
                throw new NativeException("fcntl", Errno.get(state), "F_SETFL fd " + fd);
            }
        }
    }

    /**
     * {@return whether {@code O_NONBLOCK} is set on {@code fd}}
     *
     * @param fd an open file descriptor
     * @throws NativeException naming {@code fcntl} when the fd is invalid
     */
    public static boolean isNonBlocking(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Errno.allocateState(arena);
            int flags = Syscalls.fcntl(state, fd, libc_h.F_GETFL(), 0);
            if (flags == -1) {
                throw new NativeException("fcntl", Errno.get(state), "F_GETFL fd " + fd);
            }
            return (flags & libc_h.O_NONBLOCK()) != 0;
        }
    }
}
