package io.kvcourier.channel.tcp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * Reads and checks the HELLO that opens an inbound data connection: magic, data version, sender id and a live
 * session token of that sender whose handshake chose that data version. Progress thread; one per connection,
 * dropped once the hello is in.
 */
final class HelloReader {
    private final ByteBuffer hello = ByteBuffer.allocate(TcpFrames.HELLO_BYTES + TcpFrames.MAX_SENDER_ID_BYTES);

    /**
     * Reads what the socket has of the hello. Returns the redeemed grant once the hello is complete and valid;
     * null while it is incomplete, or after refusing {@code conn} (closing it) for a bad or unknown hello.
     */
    SessionGrants.Grant read(InboundDataConnection conn, SocketChannel ch, SessionGrants grants) throws IOException {
        if (hello.position() < TcpFrames.HELLO_BYTES && !readHead(conn, ch)) {
            return null;
        }
        if (ch.read(hello) < 0) {
            conn.refuse("closed before its hello");
            return null;
        }
        if (hello.hasRemaining()) {
            return null;
        }
        byte[] token = new byte[TcpFrames.TOKEN_BYTES];
        hello.get(8, token);
        byte[] id = new byte[hello.limit() - TcpFrames.HELLO_BYTES];
        hello.get(TcpFrames.HELLO_BYTES, id);
        String claimed = new String(id, StandardCharsets.UTF_8);
        SessionGrants.Grant g = grants.redeem(token, claimed);
        if (g == null) {
            conn.refuse("no live session token for sender '" + claimed + "'");
            return null;
        }
        if (hello.getShort(4) != g.dataVersion()) {
            conn.refuse("hello version " + hello.getShort(4) + ", but the handshake of sender '" + claimed
                    + "' chose data version " + g.dataVersion());
            return null;
        }
        return g;
    }

    /** Reads the fixed part; true once it is in and valid (the limit then covers the sender id). */
    private boolean readHead(InboundDataConnection conn, SocketChannel ch) throws IOException {
        hello.limit(TcpFrames.HELLO_BYTES);
        if (ch.read(hello) < 0) {
            conn.refuse("closed before its hello");
            return false;
        }
        if (hello.hasRemaining()) {
            return false;
        }
        if (hello.getInt(0) != TcpFrames.MAGIC) {
            conn.refuse("bad magic in hello");
            return false;
        }
        short version = hello.getShort(4);
        if (version < TcpFrames.VERSION || version > TcpFrames.VERSION_EAGER) {
            conn.refuse("hello version " + version + " is not one of " + TcpFrames.VERSION + ".."
                    + TcpFrames.VERSION_EAGER);
            return false;
        }
        int n = hello.getShort(6) & 0xFFFF;
        if (n < 1 || n > TcpFrames.MAX_SENDER_ID_BYTES) {
            conn.refuse("hello sender id length " + n + " outside 1.." + TcpFrames.MAX_SENDER_ID_BYTES);
            return false;
        }
        hello.limit(TcpFrames.HELLO_BYTES + n);
        return true;
    }
}
