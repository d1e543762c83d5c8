package io.kvcourier.channel.tcp;

import io.kvcourier.agent.CloseHelper;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.staging.StagingBuffer;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One accepted data connection of a {@link TcpReceiver} and its frame reader: the HELLO ({@link HelloReader}),
 * then DATA frames whose descriptor blocks are admitted by the {@link LandingListener} and whose payload is read
 * into the staging pages, CONTROL frames between batches ({@link ControlRequestReader}), and the ACKs and replies
 * that go back ({@link AckWriter}). Touched only by the progress thread.
 *
 * <p>The frame in progress is explicit (which batch, which pages, whether the batch still has frames to come), so
 * that one allocation can be fenced without closing the connection: a frame of a fenced allocation is read and
 * discarded, and its batch's committing frame is answered with a refusal.
 */
final class InboundDataConnection {
    static final System.Logger LOG = System.getLogger(TcpReceiver.class.getName());
    /** Read-ahead: a whole descriptor block and the lead payload a sender writes with it. */
    static final int IN_BYTES = TcpFrames.MAX_DESCRIPTOR_BYTES + FrameWriter.LEAD_BYTES;
    /** A payload remainder below this many bytes is read through the read-ahead buffer, not into the page. */
    static final int READ_AHEAD_BELOW = FrameWriter.SMALL_ENTRY_BYTES;
    /** A read step's outcomes besides a count of bytes read: go on with the buffered bytes, or stop this pass. */
    private static final int AGAIN = -2;
    private static final int STOP = -1;

    final TcpReceiver receiver;
    final SocketChannel ch;
    final long acceptedAtNanos = System.nanoTime();
    SelectionKey key;
    /** Null until a valid hello arrived. */
    String senderId;
    /** Cleared by {@link #close} on the progress thread; read by others through {@link ControlReplier}. */
    volatile boolean open = true;
    final AckWriter out = new AckWriter(this);
    private final StagingBuffer staging;
    private final LandingListener listener;
    private HelloReader hello = new HelloReader();
    /** The data version agreed for this connection's token (known with the hello). */
    private int dataVersion;
    /**
     * The last socket read of this pass returned less than it asked for: the socket had no more, so the pass ends
     * without another read (it would find nothing; the selector reports the socket again when more arrives).
     */
    private boolean drained;
    /** Read-ahead, kept in read mode: bytes between position and limit are received and not yet used. */
    private final ByteBuffer in = ByteBuffer.allocateDirect(IN_BYTES);
    private final MemorySegment inMemory = MemorySegment.ofBuffer(in);
    private final RegionViews views;
    private final ControlRequestReader control = new ControlRequestReader(this);
    /** Pages granted to eager requests, for their EAGER frames (data version {@value TcpFrames#VERSION_EAGER}). */
    final EagerGrants eagerGrants = new EagerGrants();

    // The frame in progress (explicit, see the class comment).
    /** A frame's descriptor was admitted and its payload is being read. */
    private boolean inPayload;
    /** Frames of {@code openBatch} arrived, its committing frame has not. */
    boolean batchOpen;
    int openBatch;
    /** What the committing frame's ACK names: the batch, or an EAGER frame's exchange (its low 32 bits). */
    private int ackId;
    /** The open frame is an EAGER frame that no grant matched: discarded, refused, and no batch of the engine's. */
    private boolean ungranted;
    private boolean frameCommits;
    /** {@code openBatch} is fenced: its payload is read and discarded, its committing frame refused. */
    boolean discarding;
    private int frameCount;
    private final DescriptorBlock block = new DescriptorBlock();
    private final int[] pages = block.pages;
    private final long[] lengths = block.lengths;
    /** The entry being read and its bytes read so far. */
    private int entry;
    private long entryDone;

    InboundDataConnection(TcpReceiver receiver, SocketChannel ch, StagingBuffer staging, LandingListener listener) {
        this.receiver = receiver;
        this.ch = ch;
        this.staging = staging;
        this.listener = listener;
        this.views = new RegionViews(staging.segment());
        in.flip(); // empty, in read mode
    }

    /**
     * Reads what the socket has, up to {@link TcpReceiver#readBudget} bytes of socket reads per call (then the
     * other connections get a turn; the selector reports this one again). Bytes already in the read-ahead buffer
     * are always used up before returning, since no readiness event would bring us back for them.
     */
    void onReadable() {
        long budget = receiver.readBudget;
        drained = false;
        try {
            while (open && !receiver.closing()) {
                if (senderId == null) {
                    if (!readHello()) {
                        return;
                    }
                    continue;
                }
                int n = control.active() ? readControl(budget) : inPayload ? readPayload(budget)
                        : readDescriptor(budget);
                if (n == AGAIN) {
                    continue;
                }
                if (n == STOP || n == 0) {
                    return;
                }
                budget -= n;
                receiver.bytesReceived.addAndGet(n);
            }
        } catch (IOException | RuntimeException e) {
            lost("read failed: " + e.getMessage());
        } finally {
            out.flush();
            listener.afterAcknowledgements();
        }
    }

    /** The socket takes more: write what is queued. */
    void onWritable() {
        out.flush();
    }

    private boolean readHello() throws IOException {
        SessionGrants.Grant g = hello.read(this, ch, receiver.grants);
        if (g == null) {
            return false;
        }
        dataVersion = g.dataVersion();
        senderId = g.senderId();
        hello = null;
        LOG.log(System.Logger.Level.DEBUG, "tcp data connection from {0} ({1})", senderId, remote());
        return true;
    }

    /** A step of reading a control request's message: buffered bytes first, then one socket read. */
    private int readControl(long budget) throws IOException {
        if (in.hasRemaining()) {
            control.take(in);
            return AGAIN;
        }
        if (budget <= 0 || drained) {
            return STOP;
        }
        int n = fill();
        if (n < 0) {
            lost("connection closed in the middle of a control frame");
            return STOP;
        }
        return n;
    }

    /** A step of reading a descriptor block: parse what is buffered, else one socket read. */
    private int readDescriptor(long budget) throws IOException {
        int need = parseFrame();
        if (need < 0) {
            return STOP; // dropped
        }
        if (need == 0) {
            return AGAIN; // admitted: the payload follows
        }
        if (budget <= 0 || drained) {
            return STOP;
        }
        int n = fill();
        if (n < 0) {
            endOfStream();
            return STOP;
        }
        return n;
    }

    /** A step of reading a payload: buffered bytes first, then one socket read (into the page when large). */
    private int readPayload(long budget) throws IOException {
        long left = lengths[entry] - entryDone;
        long at = staging.pageOffset(pages[entry]) + entryDone;
        if (in.hasRemaining()) {
            int take = (int) Math.min(left, in.remaining());
            if (!discarding) {
                MemorySegment.copy(inMemory, in.position(), staging.segment(), at, take);
            }
            in.position(in.position() + take);
            advance(take);
            return AGAIN;
        }
        if (budget <= 0 || drained) {
            return STOP;
        }
        int n;
        long run = discarding ? 0 : runLength(at, left);
        if (discarding || (left < READ_AHEAD_BELOW && run < READ_AHEAD_BELOW)) {
            // A small remainder: read ahead, the next frames may come with it. A fenced batch's bytes go through
            // the read-ahead buffer too, and no further. Small entries in neighbouring pages are read in place
            // as one run, like large ones.
            n = fill();
        } else {
            ByteBuffer view = views.view(at, (int) run);
            int want = view.remaining();
            n = ch.read(view);
            drained = n < want;
            if (n > 0) {
                advance(n);
            }
        }
        if (n < 0) {
            lost("connection closed in the middle of a frame's payload");
            return STOP;
        }
        return n;
    }

    /** Reads more into the read-ahead buffer (keeping what is unread); the read's result. */
    private int fill() throws IOException {
        in.compact();
        try {
            int want = in.remaining();
            int n = ch.read(in);
            drained = n < want;
            return n;
        } finally {
            in.flip();
        }
    }

    /**
     * Bytes one read may put in place from {@code at}: the rest ({@code left}) of the entry being read, and the
     * entries after it while each fills its page and the next one is the page right behind it (one read for
     * a run of neighbouring pages), up to the end of the view's window.
     */
    private long runLength(long at, long left) {
        long limit = views.spanInWindow(at, Long.MAX_VALUE);
        long span = Math.min(left, limit);
        long pageSize = staging.pageSize();
        for (int k = entry + 1; k < frameCount && span == left; k++) {
            if (pages[k] != pages[k - 1] + 1 || lengths[k - 1] != pageSize || left + lengths[k] > limit) {
                break;
            }
            left += lengths[k];
            span = left;
        }
        return span;
    }

    /** {@code n} more payload bytes are in their pages; the frame ends with its last entry. */
    private void advance(long n) {
        while (n > 0) {
            long take = Math.min(n, lengths[entry] - entryDone);
            entryDone += take;
            n -= take;
            if (entryDone == lengths[entry]) {
                entry++;
                entryDone = 0;
                if (entry == frameCount) {
                    frameDone();
                    return;
                }
            }
        }
    }

    private void endOfStream() {
        if (in.hasRemaining() || (batchOpen && !discarding)) {
            lost("connection closed in the middle of " + (in.hasRemaining() ? "a descriptor block" : "batch "
                    + openBatch));
        } else {
            close(); // the sender closed between batches
        }
    }

    /**
     * Parses and admits the descriptor block at the front of the read-ahead buffer: 0 when admitted (the
     * payload is next), a positive count of bytes still missing, or -1 when the connection was dropped.
     */
    private int parseFrame() {
        if (in.remaining() < TcpFrames.HEAD_BYTES) {
            return TcpFrames.HEAD_BYTES - in.remaining();
        }
        int at = in.position();
        byte type = in.get(at);
        if (type == TcpFrames.CONTROL && dataVersion >= TcpFrames.VERSION_CONTROL) {
            if (batchOpen) {
                drop("control frame inside batch " + openBatch + " (control frames go between batches)");
                return -1;
            }
            return control.begin(in, at, dataVersion);
        }
        byte flags = in.get(at + 1);
        int count = in.getShort(at + 2) & 0xFFFF;
        int batch = in.getInt(at + 4);
        boolean eager = flags == (TcpFrames.FLAG_COMMIT | TcpFrames.FLAG_EAGER)
                && dataVersion >= TcpFrames.VERSION_EAGER;
        String bad = eager && batchOpen ? "eager frame inside batch " + openBatch
                : DescriptorBlock.headProblem(type, eager ? TcpFrames.FLAG_COMMIT : flags, count, batch,
                        in.getInt(at + 8), batchOpen, openBatch);
        if (bad != null) {
            drop(bad);
            return -1;
        }
        int size = TcpFrames.descriptorBytes(count);
        if (in.remaining() < size) {
            return size - in.remaining();
        }
        ackId = batch;
        ungranted = false;
        if (eager) {
            batch = readEager(at, count, batch);
            if (batch == STOP || (!ungranted && !admit(batch, count))) {
                return -1;
            }
        } else if ((bad = block.read(in, at, count, batch, staging.pageSize(), staging.pageCount())) != null) {
            drop(bad);
            return -1;
        } else if (!admit(batch, count)) {
            return -1;
        }
        in.position(at + size);
        batchOpen = true;
        openBatch = batch;
        frameCommits = (flags & TcpFrames.FLAG_COMMIT) != 0;
        frameCount = count;
        entry = 0;
        entryDone = 0;
        inPayload = true;
        return 0;
    }

    /**
     * Reads an EAGER frame's entries and puts the pages its request was granted in their place: the batch id to
     * admit, or {@link #STOP} when it dropped. Without a grant the frame is discarded ({@link #ungranted}).
     */
    private int readEager(int at, int count, int exchange) {
        int[] granted = eagerGrants.take(exchange);
        String bad = block.readEager(in, at, count, exchange, granted);
        if (bad != null) {
            drop(bad);
            return STOP;
        }
        if (granted == null) {
            receiver.discardedFrames.incrementAndGet();
            ungranted = true;
            discarding = true;
            return 0;
        }
        return granted[0];
    }

    /**
     * Admits the frame once against the sender's live allocation; a frame of a fenced allocation is admitted for
     * discarding. False when the connection was dropped.
     */
    private boolean admit(int batch, int count) {
        boolean fenced = batchOpen && discarding; // a later frame of a batch fenced mid-way
        if (!fenced) {
            boolean admitted;
            try {
                admitted = listener.admitBatch(senderId, batch, pages, lengths, count);
                fenced = !admitted && listener.isFenced(senderId, batch);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "landing listener failed on admitBatch", e);
                admitted = false;
            }
            if (!admitted && !fenced) {
                drop("batch " + batch + " (" + count + " entries, first page " + pages[0] + ") is not in that "
                        + "sender's live allocation");
                return false;
            }
        }
        if (fenced) {
            receiver.discardedFrames.incrementAndGet();
            if (!discarding) {
                LOG.log(System.Logger.Level.INFO, "batch {0} of {1} ({2}): its allocation was fenced; discarding "
                        + "its frames and refusing its commit", batch, senderId, remote());
            }
        }
        discarding = fenced;
        return true;
    }

    /**
     * Every byte of the frame is in: a committing frame commits its batch and queues its ack (a fenced batch's
     * is refused: the listener, told about it, says no).
     */
    private void frameDone() {
        inPayload = false;
        if (!frameCommits) {
            return;
        }
        batchOpen = false;
        discarding = false;
        boolean committed = false;
        try {
            committed = !ungranted && listener.onBatchLanded(senderId, openBatch);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "landing listener failed on onBatchLanded", e);
        }
        if (committed) {
            receiver.committedBatches.incrementAndGet();
        }
        out.putAck(ackId, committed);
    }

    void refuse(String why) {
        receiver.refusedConnections.incrementAndGet();
        LOG.log(System.Logger.Level.WARNING, "closing tcp data connection from {0}: {1}", remote(), why);
        close();
    }

    void drop(String why) {
        receiver.rejectedFrames.incrementAndGet();
        LOG.log(System.Logger.Level.WARNING, "closing tcp data connection of {0} ({1}): {2}", senderId, remote(),
                why);
        close();
    }

    /** The peer went away (EOF, reset): not the peer's fault as far as we know, so not counted. */
    void lost(String why) {
        LOG.log(System.Logger.Level.INFO, "tcp data connection of {0} ({1}) lost: {2}", senderId, remote(), why);
        close();
    }

    private String remote() {
        try {
            return String.valueOf(ch.getRemoteAddress());
        } catch (IOException e) {
            return "?";
        }
    }

    void close() {
        if (!open) {
            return;
        }
        open = false;
        inPayload = false;
        control.reset();
        discarding = false;
        if (key != null) {
            key.cancel();
        }
        CloseHelper.quietClose(ch);
        receiver.connections.remove(this);
    }
}
