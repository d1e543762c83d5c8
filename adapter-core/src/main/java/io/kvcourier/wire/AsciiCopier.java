package io.kvcourier.wire;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Copies chars to bytes in bulk up to the first non-ASCII one, with the JDK's US-ASCII encoder, which runs a
 * vectorized intrinsic over a {@code char[]}. The caller lays the chars out in {@link #scratch} (one string, or many
 * end to end) and {@link #copy copies} them: one call pays the encoder's fixed cost (~20 ns) once for all of them.
 * Owned by one {@link MsgpackWriter}; allocates only when the scratch grows or the target array changes.
 */
final class AsciiCopier {
    private final CharsetEncoder encoder = StandardCharsets.US_ASCII.newEncoder();
    private char[] chars = new char[64];
    private CharBuffer charView = CharBuffer.wrap(chars);
    private byte[] target;
    private ByteBuffer targetView;

    /** {@return the scratch, with room for at least {@code n} chars}; valid until the next call */
    char[] scratch(int n) {
        if (chars.length < n) {
            chars = new char[Math.max(n, 2 * chars.length)];
            charView = CharBuffer.wrap(chars);
        }
        return chars;
    }

    /**
     * Copies {@code scratch[0, n)} to {@code dst[at, at + n)}, stopping at the first char above 0x7F.
     *
     * @return how many chars were copied: {@code n} when all were ASCII
     */
    int copy(int n, byte[] dst, int at) {
        if (dst != target) {
            target = dst;
            targetView = ByteBuffer.wrap(dst);
        }
        charView.limit(n).position(0);
        targetView.limit(at + n).position(at);
        encoder.encode(charView, targetView, false); // UNMAPPABLE or MALFORMED at a non-ASCII char: we stop there
        return charView.position();
    }

    /** Copies the chars of {@code s} to {@code dst[at...]} up to its first non-ASCII one; @return how many. */
    int copy(String s, byte[] dst, int at) {
        int n = s.length();
        s.getChars(0, n, scratch(n), 0);
        return copy(n, dst, at);
    }
}
