package io.kvcourier.wire;

import io.kvcourier.l2.ObjectKey;

import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * A decoded {@code list[str]} field kept as the UTF-8 it arrived in: one array for all the strings instead of a
 * String per element. An AllocRequest carries up to {@code MAX_KEYS_PER_REQUEST} keys that a receiver only parses
 * ({@link #parseKey}), so none of them needs to become a String; {@link #get} still makes one for any other use.
 *
 * <p>Immutable: the bytes are a copy, checked as valid UTF-8 when the message was decoded, and never exposed.
 */
public final class Utf8StringList extends AbstractList<String> implements RandomAccess {
    private final byte[] utf8;
    private final int[] offsets;
    private final int[] lengths;

    /** Takes ownership of the arrays: element {@code i} is {@code utf8[offsets[i], offsets[i] + lengths[i])}. */
    Utf8StringList(byte[] utf8, int[] offsets, int[] lengths) {
        this.utf8 = utf8;
        this.offsets = offsets;
        this.lengths = lengths;
    }

    @Override
    public String get(int index) {
        Objects.checkIndex(index, offsets.length);
        return new String(utf8, offsets[index], lengths[index], StandardCharsets.UTF_8);
    }

    /** {@return the length in bytes of element {@code index}'s UTF-8} */
    int utf8Length(int index) {
        return lengths[Objects.checkIndex(index, offsets.length)];
    }

    /** Copies element {@code index}'s UTF-8 to {@code dst[at, at + utf8Length(index))}. */
    void copyUtf8(int index, byte[] dst, int at) {
        System.arraycopy(utf8, offsets[Objects.checkIndex(index, offsets.length)], dst, at, lengths[index]);
    }

    @Override
    public int size() {
        return offsets.length;
    }

    /**
     * Element {@code index} parsed as an {@link ObjectKey}, straight from its bytes ({@link ObjectKey#parse(byte[],
     * int, int)}): the key {@code ObjectKey.parse(get(index))} returns, or its error.
     *
     * @throws IllegalArgumentException  naming the part of the key that is malformed
     * @throws IndexOutOfBoundsException if {@code index} is not an element
     */
    public ObjectKey parseKey(int index) {
        Objects.checkIndex(index, offsets.length);
        return ObjectKey.parse(utf8, offsets[index], lengths[index]);
    }
}
