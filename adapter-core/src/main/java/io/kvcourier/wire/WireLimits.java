package io.kvcourier.wire;

/**
 * Caps a decoder checks <em>before</em> it allocates anything for a header, and an encoder checks
 * before it writes, so that we never produce what a peer with the same limits would refuse.
 *
 * @param maxMessageBytes largest accepted message, in bytes
 * @param maxArrayLength  largest accepted array header, in elements
 * @param maxStrBytes     longest accepted {@code str} field, in UTF-8 bytes
 * @param maxBinBytes     longest accepted {@code bytes} field, in bytes
 */
public record WireLimits(int maxMessageBytes, int maxArrayLength, int maxStrBytes, int maxBinBytes) {

    /** 16 MiB messages, 65,536-element arrays, 4,096-byte strings, 1 MiB byte strings. */
    public static final WireLimits DEFAULT = new WireLimits(16 << 20, 65_536, 4_096, 1 << 20);

    /** @throws IllegalArgumentException naming the first cap that is not positive */
    public WireLimits {
        if (maxMessageBytes <= 0) {
            throw new IllegalArgumentException("maxMessageBytes must be > 0, got " + maxMessageBytes);
        }
        if (maxArrayLength <= 0) {
            throw new IllegalArgumentException("maxArrayLength must be > 0, got " + maxArrayLength);
        }
        if (maxStrBytes <= 0) {
            throw new IllegalArgumentException("maxStrBytes must be > 0, got " + maxStrBytes);
        }
        if (maxBinBytes <= 0) {
            throw new IllegalArgumentException("maxBinBytes must be > 0, got " + maxBinBytes);
        }
    }
}
