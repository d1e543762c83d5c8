package io.kvcourier.notify;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A ZMTP 3.0 PUSH client with the NULL mechanism over one non-blocking {@link SocketChannel}
 * (docs/ARCHITECTURE.md#decision-24): the notifier's own thread frames each message and writes it, with no ZMQ
 * context and no I/O thread. Confined to the thread that uses it, but for {@link #status()}; nothing here blocks.
 *
 * <p><b>Connection.</b> {@link #peerConnected()} advances the connection: it connects (TCP_NODELAY), writes our
 * greeting and READY ({@code Socket-Type: PUSH}), checks the peer's greeting (ZMTP 3 or later, NULL mechanism) and
 * READY (only {@code Socket-Type: PULL}), then answers PING with PONG, ignores other commands and notices EOF or a
 * reset. A handshake not complete within the handshake interval is torn down (a stalled handshake, as jeromq PR
 * #1022 showed on the PULL side, is retried rather than waited for). A data message from the peer, malformed bytes
 * or a refused peer close the connection; it is tried again after a back-off of 10 ms doubling to the handshake
 * interval, reset by a completed handshake. The first refusal, and the first after each completed handshake, is
 * logged at WARNING, the others at DEBUG. Every length the peer sends is bounded
 * ({@link ZmtpCodec#MAX_COMMAND_BODY}) before it is used; input lives in one fixed buffer.
 *
 * <p><b>Delivery.</b> PUSH has no acknowledgement (docs/TRAPS.md#trap-5): {@link #trySend} accepts a message only
 * while a proxy has completed the handshake, and keeps it in a fixed buffer until it has been written whole. A
 * message partly written when the connection ends is sent again whole on the next connection; one written whole is
 * not, so a message in the kernel's socket buffer when the proxy goes away is lost, as with any ZMQ socket.
 */
final class ZmtpPushConnection {
    private static final System.Logger LOG = System.getLogger(ZmtpPushConnection.class.getName());
    private static final byte[] HANDSHAKE = ZmtpCodec.clientHandshake();
    private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** How long an owner waiting for progress (a handshake, a full socket buffer) should park, in nanoseconds. */
    private static final long BUSY_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final int IN_CAPACITY = ZmtpCodec.LONG_HEADER + ZmtpCodec.MAX_COMMAND_BODY + 256;

    private enum State { IDLE, CONNECTING, HANDSHAKE, OPEN, CLOSED }

    private final String host;
    private final int port;
    private final String peer;
    private final long handshakeNanos;
    private final ZmtpOutbox outbox;
    private final ByteBuffer handshakeOut = ByteBuffer.allocateDirect(HANDSHAKE.length);
    private final ByteBuffer commandOut = ByteBuffer.allocateDirect(ZmtpCodec.MAX_PONG_FRAME);
    private final ByteBuffer in = ByteBuffer.allocateDirect(IN_CAPACITY);
    private int inLength;
    private boolean greetingRead;
    // state, stateSinceNanos and the two counters are volatile only for status(), read by other threads for logs
    private volatile State state = State.IDLE;
    private volatile long stateSinceNanos = System.nanoTime();
    private SocketChannel channel;
    private long retryAtNanos;
    private long handshakeDeadlineNanos;
    private long backoffNanos = MIN_BACKOFF_NANOS;
    private boolean warned;
    private volatile int refusals;
    private volatile int handshakes;

    /**
     * Starts connecting at once.
     *
     * @param host         the proxy's host name or address literal (resolved on each connection attempt)
     * @param port         the proxy's PULL port, 1..65535
     * @param sendHwm      the most messages held unwritten (accepted, not yet written whole); positive
     * @param bufferBytes  room for the held messages, framed, in bytes: allocated once, off heap
     * @param handshakeIvl how long a connection may take to complete the ZMTP handshake; also the longest back-off
     */
    ZmtpPushConnection(String host, int port, int sendHwm, int bufferBytes, Duration handshakeIvl) {
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port must be in [1, 65535], got " + port);
        }
        this.host = host;
        this.port = port;
        this.peer = host + ":" + port;
        this.handshakeNanos = Math.max(MIN_BACKOFF_NANOS, handshakeIvl.toNanos());
        this.outbox = new ZmtpOutbox(bufferBytes, sendHwm);
        retryAtNanos = System.nanoTime();
        peerConnected();
    }

    /**
     * Advances the connection without blocking: finishes a connect, the handshake, answers the peer's commands,
     * notices EOF or a reset, starts a due reconnect, and writes what waits.
     *
     * @return whether a proxy has completed the handshake
     */
    boolean peerConnected() {
        long now = System.nanoTime();
        if (state == State.IDLE && now - retryAtNanos >= 0) {
            connect(now);
        }
        if (state == State.CONNECTING) {
            finishConnect();
        }
        if (state == State.HANDSHAKE) {
            handshake();
        }
        if ((state == State.CONNECTING || state == State.HANDSHAKE) && now - handshakeDeadlineNanos >= 0) {
            lost("the handshake did not complete within " + Duration.ofNanos(handshakeNanos), Level.DEBUG, true);
        }
        if (state == State.OPEN) {
            readCommands();
        }
        if (state == State.OPEN) {
            flush();
        }
        return state == State.OPEN;
    }

    /**
     * Frames one message and writes what it can without blocking.
     *
     * @param bytes  the message; only {@code [0, length)} is read, and copied before this returns
     * @param length its length in bytes
     * @return {@code false} when no proxy has completed the handshake or {@code sendHwm} messages are unwritten
     *         (try again later); {@code true} when the message is kept until it has been written whole
     * @throws IllegalArgumentException when the framed message is larger than the buffer
     */
    boolean trySend(byte[] bytes, int length) {
        if (state != State.OPEN) {
            peerConnected();
        } else {
            readCommands(); // notices a proxy that went away before the message is handed to a dead connection
        }
        if (state != State.OPEN) {
            return false;
        }
        if (!outbox.offer(bytes, length)) {
            flush();
            if (state != State.OPEN || !outbox.offer(bytes, length)) {
                return false;
            }
        }
        flush();
        return true;
    }

    /** {@return the messages accepted and not yet written whole} */
    int unwritten() {
        return outbox.messages();
    }

    /**
     * {@return a one-line account for logs, safe from any thread}: the connection's state and for how long, the
     * handshakes and refusals so far, e.g. {@code "connecting for 1200 ms, 3 handshakes, 0 refusals"}
     */
    String status() {
        State s = state;
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stateSinceNanos);
        String what = switch (s) {
            case IDLE -> "waiting to reconnect";
            case CONNECTING -> "connecting";
            case HANDSHAKE -> "in the ZMTP handshake";
            case OPEN -> "open";
            case CLOSED -> "closed";
        };
        return what + " for " + ms + " ms, " + handshakes + " handshakes, " + refusals + " refusals";
    }

    private void enter(State next) {
        if (state != next) {
            stateSinceNanos = System.nanoTime();
        }
        state = next;
    }

    /** {@return the handshakes completed so far: connections that reached a proxy} */
    int handshakes() {
        return handshakes;
    }

    /**
     * {@return connections closed for what the peer did: a wrong socket type, bad bytes, a data message, EOF during
     * the handshake}
     */
    int refusals() {
        return refusals;
    }

    /**
     * {@return how long an owner with nothing else to do may park before calling {@link #peerConnected()} again,
     * at most {@code maxNanos}}: until a due reconnect, briefly while a handshake or a write is in progress
     */
    long idleParkNanos(long maxNanos) {
        return switch (state) {
            case IDLE -> Math.max(0, Math.min(maxNanos, retryAtNanos - System.nanoTime()));
            case CONNECTING, HANDSHAKE -> Math.min(maxNanos, BUSY_PARK_NANOS);
            case OPEN -> outbox.hasUnwritten() || commandOut.position() > 0 ? Math.min(maxNanos, BUSY_PARK_NANOS)
                    : maxNanos;
            case CLOSED -> maxNanos;
        };
    }

    /**
     * Writes what is held for at most {@code lingerMs} (going on connecting if need be), then closes the channel.
     * Messages still held then are discarded. Idempotent.
     */
    void close(long lingerMs) {
        if (state == State.CLOSED) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, lingerMs));
        while (outbox.messages() > 0) {
            peerConnected();
            long left = deadline - System.nanoTime();
            if (left <= 0 || outbox.messages() == 0) {
                break;
            }
            LockSupport.parkNanos(this, idleParkNanos(Math.min(left, BUSY_PARK_NANOS)));
        }
        if (outbox.messages() > 0) {
            LOG.log(Level.DEBUG, "{0} messages to {1} discarded at close", outbox.messages(), peer);
        }
        closeChannel();
        enter(State.CLOSED);
    }

    private void connect(long now) {
        handshakeDeadlineNanos = now + handshakeNanos;
        inLength = 0;
        greetingRead = false;
        commandOut.clear();
        handshakeOut.clear().put(HANDSHAKE).flip();
        try {
            InetSocketAddress address = new InetSocketAddress(host, port);
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            enter(channel.connect(address) ? State.HANDSHAKE : State.CONNECTING);
        } catch (IOException | UnresolvedAddressException | SecurityException e) {
            enter(State.CONNECTING);
            lost("cannot connect: " + e, Level.DEBUG, false);
        }
    }

    private void finishConnect() {
        try {
            if (channel.finishConnect()) {
                enter(State.HANDSHAKE);
            }
        } catch (IOException e) {
            lost("cannot connect: " + e.getMessage(), Level.DEBUG, false);
        }
    }

    /** Writes our greeting and READY, reads the peer's; the connection is open after the peer's READY. */
    private void handshake() {
        try {
            if (handshakeOut.hasRemaining()) {
                channel.write(handshakeOut);
            }
            boolean open = fill();
            if (!readHandshake() && state == State.HANDSHAKE && !open) {
                refused("the peer closed the connection during the handshake");
            }
        } catch (IOException e) {
            lost("handshake failed: " + e.getMessage(), Level.DEBUG, false);
        }
    }

    /** Checks what has arrived of the peer's greeting and READY. @return whether the connection is now open */
    private boolean readHandshake() {
        if (!greetingRead) {
            if (inLength < ZmtpCodec.GREETING_BYTES) {
                return false;
            }
            String problem = ZmtpCodec.checkGreeting(in, 0);
            if (problem != null) {
                refused(problem);
                return false;
            }
            greetingRead = true;
            consume(ZmtpCodec.GREETING_BYTES);
        }
        long size = commandSize();
        if (size < 0) {
            return false; // incomplete, or refused in commandSize
        }
        int at = ZmtpCodec.headerLength(in, 0);
        ZmtpCodec.Command command = ZmtpCodec.command(in, at, (int) size);
        String problem = command == ZmtpCodec.Command.READY ? ZmtpCodec.checkReady(in, at, (int) size)
                : command == ZmtpCodec.Command.ERROR ? "the peer sent ERROR instead of READY"
                : "expected READY from the peer";
        if (problem != null) {
            refused(problem);
            return false;
        }
        if (handshakeOut.hasRemaining()) {
            return false; // our READY goes out whole before any message
        }
        consume(at + (int) size);
        enter(State.OPEN);
        handshakes++;
        backoffNanos = MIN_BACKOFF_NANOS;
        warned = false;
        LOG.log(Level.DEBUG, "connected to the proxy at {0}", peer);
        readCommands(); // what came behind READY
        return true;
    }

    /** Reads and handles the peer's commands while open; EOF, a reset or a protocol error closes the connection. */
    private void readCommands() {
        try {
            boolean open = fill();
            for (long size; state == State.OPEN && (size = commandSize()) >= 0; ) {
                int at = ZmtpCodec.headerLength(in, 0);
                ZmtpCodec.Command command = ZmtpCodec.command(in, at, (int) size);
                if (command == null) {
                    refused("malformed command from the peer");
                    return;
                }
                if (command == ZmtpCodec.Command.PING && commandOut.position() == 0
                        && !ZmtpCodec.putPong(in, at, (int) size, commandOut)) {
                    refused("malformed PING from the peer");
                    return;
                }
                consume(at + (int) size);
            }
            if (state == State.OPEN && !open) {
                lost("the proxy closed the connection", Level.DEBUG, false);
            }
        } catch (IOException e) {
            lost("the connection failed: " + e.getMessage(), Level.DEBUG, false);
        }
    }

    /**
     * The size of the complete command frame at the start of the input.
     *
     * @return its body size, or {@code -1} when it has not fully arrived or the frame was refused (not a
     *         command, a command with MORE set, malformed flags, or a body over the bound)
     */
    private long commandSize() {
        long size = ZmtpCodec.frameSize(in, 0, inLength);
        if (size == -1) {
            return -1;
        }
        int flags = in.get(0);
        if (size == -2 || (flags & ZmtpCodec.FLAG_COMMAND) == 0 || (flags & ZmtpCodec.FLAG_MORE) != 0
                || size > ZmtpCodec.MAX_COMMAND_BODY) {
            refused(size == -2 ? "malformed frame header from the peer"
                    : (flags & ZmtpCodec.FLAG_COMMAND) == 0 ? "a data message from the peer (PUSH receives none)"
                    : size > ZmtpCodec.MAX_COMMAND_BODY ? "a command of " + size + " bytes from the peer"
                    : "a command with MORE set from the peer");
            return -1;
        }
        return inLength - ZmtpCodec.headerLength(in, 0) < size ? -1 : size;
    }

    /** Reads what has arrived into the input buffer. @return {@code false} at end of stream */
    private boolean fill() throws IOException {
        if (inLength == IN_CAPACITY) {
            return true; // cannot happen with bounded frames; the next check refuses what fills it
        }
        in.limit(IN_CAPACITY).position(inLength);
        int n = channel.read(in);
        in.clear();
        if (n > 0) {
            inLength += n;
        }
        return n >= 0;
    }

    private void consume(int bytes) {
        in.put(0, in, bytes, inLength - bytes);
        inLength -= bytes;
    }

    /**
     * Writes a pending PONG between messages (finishing the message partly written first), then the messages.
     */
    private void flush() {
        try {
            if (commandOut.position() > 0) {
                outbox.finishPartlyWritten(channel);
            }
            if (commandOut.position() > 0 && outbox.atMessageBoundary()) {
                commandOut.flip();
                channel.write(commandOut);
                commandOut.compact();
            }
            if (commandOut.position() == 0) {
                outbox.writeTo(channel);
            }
        } catch (IOException e) {
            lost("the connection failed: " + e.getMessage(), Level.DEBUG, false);
        }
    }

    /** The peer broke the protocol or was refused: counted; logged at WARNING once per completed handshake. */
    private void refused(String why) {
        refusals++;
        lost(why, warned ? Level.DEBUG : Level.WARNING, true);
        warned = true;
    }

    private void lost(String why, Level level, boolean protocol) {
        LOG.log(level, "proxy connection to {0} closed ({1}){2}; retrying in {3} ms", peer, why,
                protocol ? " [ZMTP]" : "", String.valueOf(TimeUnit.NANOSECONDS.toMillis(backoffNanos)));
        closeChannel();
        outbox.rewind();
        enter(State.IDLE);
        retryAtNanos = System.nanoTime() + backoffNanos;
        backoffNanos = Math.min(backoffNanos * 2, handshakeNanos);
    }

    private void closeChannel() {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing the proxy connection failed", e);
        }
        channel = null;
    }
}
