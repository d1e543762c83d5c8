package io.kvcourier.channel.tcp;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A hand-written tcp data client that speaks {@link TcpFrames} byte by byte (java.io, big-endian), for tests
 * that must send what a well-behaved sender never would. Reads are bounded by a socket timeout. A write
 * that fails because the receiver already closed the connection marks it broken; later writes are skipped.
 */
public final class RawTcpClient implements AutoCloseable {
    private final Socket socket;
    private final DataOutputStream out;
    private final DataInputStream in;
    private boolean broken;

    public RawTcpClient(String host, int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 5_000);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        out = new DataOutputStream(socket.getOutputStream());
        in = new DataInputStream(socket.getInputStream());
    }

    public RawTcpClient hello(byte[] token, String senderId) {
        return hello(token, senderId, TcpFrames.VERSION);
    }

    /** A HELLO naming data version {@code version}. */
    public RawTcpClient hello(byte[] token, String senderId, int version) {
        if (broken) {
            return this;
        }
        try {
            byte[] id = senderId.getBytes(StandardCharsets.UTF_8);
            out.writeInt(TcpFrames.MAGIC);
            out.writeShort(version);
            out.writeShort(id.length);
            out.write(token);
            out.write(id);
            out.flush();
} catch (IOException e) {
            broken = true; // the receiver closed the connection: later writes are skipped
        }
        return this;
    }

    /** A descriptor head with every field as given (hostile tests); entries and payload follow separately. */
    public RawTcpClient head(byte type, int flags, int count, int batch, int reserved) {
        if (broken) {
            return this;
        }
        try {
            out.writeByte(type);
            out.writeByte(flags);
            out.writeShort(count);
            out.writeInt(batch);
            out.writeInt(reserved);
            out.flush();
        } catch (IOException e) {
            broken = true; // the receiver closed the connection: later writes are skipped
        }
        return this;
    }

    /** One descriptor entry. */
    public RawTcpClient entry(int page, long length) {
        if (broken) {
            return this;
        }
        try {
            out.writeInt(page);
            out.writeLong(length);
            out.flush();
        } catch (IOException e) {
            broken = true; // the receiver closed the connection: later writes are skipped
        }
        return this;
    }

    /** A well-formed descriptor block: DATA, the commit flag as given, one entry per page. */
    public RawTcpClient frame(int batch, boolean commit, int[] pages, long[] lengths) {
        head(TcpFrames.DATA, commit ? TcpFrames.FLAG_COMMIT : 0, pages.length, batch, 0);
        for (int i = 0; i < pages.length; i++) {
            entry(pages[i], lengths[i]);
        }
        return this;
    }

    /** Raw bytes (payload, or anything a test wants on the wire). */
    public RawTcpClient bytes(byte[] payload) {
        if (broken) {
            return this;
        }
        try {
            out.write(payload);
            out.flush();
        } catch (IOException e) {
            broken = true; // the receiver closed the connection: later writes are skipped
        }
        return this;
    }

    /** A committing one-entry frame for {@code page} of {@code batch}, with its payload. */
    public RawTcpClient data(int batch, int page, byte[] payload) {
        return frame(batch, true, new int[] {page}, new long[] {payload.length}).bytes(payload);
    }

    /** A CONTROL frame with every head field as given (hostile tests), then {@code message}. */
    public RawTcpClient control(int flags, int reserved, int length, long exchangeId, byte[] message) {
        if (broken) {
            return this;
        }
        try {
            out.writeByte(TcpFrames.CONTROL);
            out.writeByte(flags);
            out.writeShort(reserved);
            out.writeInt(length);
            out.writeLong(exchangeId);
            out.write(message);
            out.flush();
        } catch (IOException e) {
            broken = true; // the receiver closed the connection: later writes are skipped
        }
        return this;
    }

    /** A well-formed CONTROL frame carrying {@code message}. */
    public RawTcpClient control(long exchangeId, byte[] message) {
        return control(0, 0, message.length, exchangeId, message);
    }

    /** Reads one CONTROL_REPLY: its exchange id and message bytes. */
    public Reply readControlReply() throws IOException {
        byte type = in.readByte();
        byte flags = in.readByte();
        short reserved = in.readShort();
        int length = in.readInt();
        long id = in.readLong();
        if (type != TcpFrames.CONTROL_REPLY || flags != 0 || reserved != 0 || length < 1) {
            throw new IOException("expected a CONTROL_REPLY, got type " + type + ", flags " + flags + ", reserved "
                    + reserved + ", length " + length);
        }
        byte[] message = new byte[length];
        in.readFully(message);
        return new Reply(id, message);
    }

    /** One CONTROL_REPLY. */
    public record Reply(long exchangeId, byte[] message) {
    }

    /** Reads one ACK: {@code {batch, committed ? 1 : 0}}. */
    public int[] readAck() throws IOException {
        byte type = in.readByte();
        byte committed = in.readByte();
        in.readShort();
        int batch = in.readInt();
        if (type != TcpFrames.ACK) {
            throw new IOException("expected an ACK, got type " + type);
        }
        return new int[] {batch, committed};
    }

    /**
     * True when the receiver closed this connection (EOF or reset) within the socket timeout; false when it
     * sent bytes instead. Throws on timeout.
     */
    public boolean closedByPeer() throws IOException {
        if (broken) {
            return true;
        }
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            return true; // connection reset
        }
    }

    /** Ends this side's stream (FIN) and returns once the receiver closed the connection in turn. */
    public boolean finish() throws IOException {
        if (!broken) {
            try {
                socket.shutdownOutput();
            } catch (IOException e) {
                broken = true;
            }
        }
        return closedByPeer();
    }

    /** Writes until the peer's close surfaces as an error, or gives up; true if a write failed. */
    public boolean writeFails(byte[] payload) {
        try {
            for (int i = 0; i < 64; i++) {
                out.write(payload);
                out.flush();
            }
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
