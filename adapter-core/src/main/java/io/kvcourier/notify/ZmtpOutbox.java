package io.kvcourier.notify;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The messages a PUSH connection has accepted but not yet written whole: ZMTP frames laid end to end in one direct
 * buffer allocated once, and a ring of their lengths. Bytes from {@code head} (the first unfinished message) to
 * {@code sent} are on the wire already; from {@code sent} to {@code tail} they wait. A connection that ends with a
 * message partly written {@link #rewind}s to its start, so the next connection sends it whole (the peer drops a
 * partial frame); a message written whole is forgotten. Confined to one thread; allocates nothing once built.
 */
final class ZmtpOutbox {
    private final ByteBuffer buf;
    private final int[] frameLengths;
    private int first;
    private int count;
    private int head;
    private int sent;
    private int tail;

    /**
     * @param capacityBytes room for framed messages, in bytes; a message must fit in it whole
     * @param maxMessages   the most messages held at once (the send high-water mark)
     */
    ZmtpOutbox(int capacityBytes, int maxMessages) {
        if (capacityBytes < ZmtpCodec.LONG_HEADER + 1 || maxMessages < 1) {
            throw new IllegalArgumentException("capacityBytes " + capacityBytes + " and maxMessages " + maxMessages
                    + " must be positive");
        }
        buf = ByteBuffer.allocateDirect(capacityBytes);
        frameLengths = new int[maxMessages];
    }

    /** {@return the messages held: accepted and not yet written whole} */
    int messages() {
        return count;
    }

    /** {@return whether bytes wait to be written} */
    boolean hasUnwritten() {
        return sent != tail;
    }

    /** {@return whether the next byte to write starts a message (a command may be written between messages)} */
    boolean atMessageBoundary() {
        return sent == head;
    }

    /**
     * Frames one single-frame message (flags 0x00 with a 1-byte size up to 255 bytes, else 0x02 with an 8-byte
     * size) behind the others.
     *
     * @return {@code false} when {@code maxMessages} are held or the buffer has no room for it now
     * @throws IllegalArgumentException when the framed message could never fit the buffer
     */
    boolean offer(byte[] bytes, int length) {
        int header = length > 255 ? ZmtpCodec.LONG_HEADER : ZmtpCodec.SHORT_HEADER;
        if (length < 0 || length > bytes.length || length > buf.capacity() - header) {
            throw new IllegalArgumentException("message of " + length + " bytes does not fit a send buffer of "
                    + buf.capacity() + " bytes");
        }
        int framed = header + length;
        if (count == frameLengths.length) {
            return false;
        }
        if (buf.capacity() - tail < framed) {
            if (buf.capacity() - (tail - head) < framed) {
                return false;
            }
            compact();
        }
        if (header == ZmtpCodec.LONG_HEADER) {
            buf.put(tail, (byte) ZmtpCodec.FLAG_LONG).putLong(tail + 1, length);
        } else {
            buf.put(tail, (byte) 0).put(tail + 1, (byte) length);
        }
        buf.put(tail + header, bytes, 0, length);
        tail += framed;
        frameLengths[(first + count) % frameLengths.length] = framed;
        count++;
        return true;
    }

    /** Moves the held bytes to the start of the buffer (the JDK copies overlapping ranges as memmove does). */
    private void compact() {
        buf.put(0, buf, head, tail - head);
        sent -= head;
        tail -= head;
        head = 0;
    }

    /**
     * Writes what waits without blocking and forgets the messages now written whole.
     *
     * @return the bytes written
     * @throws IOException when the connection failed
     */
    int writeTo(SocketChannel channel) throws IOException {
        return write(channel, tail);
    }

    /**
     * Writes, without blocking, what is left of the message partly written, and nothing behind it: a command
     * (a PONG) may follow once {@link #atMessageBoundary()} holds.
     *
     * @return the bytes written
     * @throws IOException when the connection failed
     */
    int finishPartlyWritten(SocketChannel channel) throws IOException {
        return sent == head ? 0 : write(channel, head + frameLengths[first]);
    }

    private int write(SocketChannel channel, int end) throws IOException {
        if (sent == end) {
            return 0;
        }
        int n;
        try {
            buf.limit(end).position(sent);
            n = channel.write(buf);
        } finally {
            buf.clear(); // absolute puts are checked against the limit
        }
        sent += n;
        while (count > 0 && sent - head >= frameLengths[first]) {
            head += frameLengths[first];
            first = (first + 1) % frameLengths.length;
            count--;
        }
        if (count == 0) {
            head = 0;
            sent = 0;
            tail = 0;
        }
        return n;
    }

    /** The connection ended: the message partly written, if any, is written again whole on the next one. */
    void rewind() {
        sent = head;
    }
}
