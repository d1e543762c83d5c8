package io.kvcourier.control;

import io.kvcourier.channel.BatchCompletion;
import io.kvcourier.channel.ChannelConnection;
import io.kvcourier.channel.ControlReplySink;
import io.kvcourier.channel.WriteBatch;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.WireCodec;
import io.kvcourier.wire.WireEncoder;
import io.kvcourier.wire.WireFormatException;

import java.util.ArrayList;

/**
 * Allocation exchanges carried by a sender's data connections instead of its ZMQ alloc DEALERs, for receivers that
 * are kvcourier too ({@link ChannelConnection#carriesControl()}). The request and reply bytes are the alloc port's
 * very messages; what goes away are the ZMQ I/O-thread hops on both sides. Each exchange has an id the connection
 * echoes with its reply, so concurrent exchanges on one connection may be answered in any order. Owned by the
 * control thread; a reply is decoded on the thread that delivers it and handled on the control thread, or, when it
 * came on the channel's progress thread ({@link ChannelConnection#repliesOnProgressThread()}), right there if the
 * control thread is idle ({@link ControlAgent#runOrExecute}): the batch's write then starts on that thread without
 * waking the control thread.
 */
public final class InBandExchanges implements ControlAgent.Duty {

    private final ControlAgent agent;
    private final WireEncoder encoder;
    /** In flight, oldest first; few at once (at most the in-flight allocations of every rank). */
    private final ArrayList<AllocExchange> pending = new ArrayList<>();
    private final ControlReplySink sink = new Sink(false);
    /** For connections whose replies come on their progress thread: handled there when the control thread idles. */
    private final ControlReplySink runningSink = new Sink(true);

    private final class Sink implements ControlReplySink {
        private final boolean runHere;

        Sink(boolean runHere) {
            this.runHere = runHere;
        }

        @Override
        public void onControlReply(long exchangeId, byte[] bytes, int offset, int length) {
            onReply(exchangeId, bytes, offset, length, runHere);
        }

        @Override
        public void onConnectionLost(long exchangeId, String why) {
            agent.execute(() -> lost(exchangeId, why));
        }
    }
    private long nextId = 1;
    /** Exchanges sent so far (written by the control thread only). */
    private volatile long sent;
    /** Replies handled on the channel thread that read them, the control thread idle (written under its lock). */
    private volatile long repliesInPlace;
    private boolean closed;

    /**
     * @param agent   the control agent that owns this (it must be added to it)
     * @param encoder the control thread's encoder
     */
    public InBandExchanges(ControlAgent agent, WireEncoder encoder) {
        this.agent = agent;
        this.encoder = encoder;
    }

    /**
     * Control thread: sends {@code x} over {@code connection}; its callback runs on the control thread with the
     * reply, or with a failure at {@code deadlineNanos} at the latest, or when the connection is {@linkplain
     * #connectionLost lost}.
     *
     * @return false when nothing was sent (closed, or the connection does not carry control now): send it another way
     */
    public boolean submit(ChannelConnection connection, AllocExchange x, long deadlineNanos) {
        return submit(connection, x, deadlineNanos, null, null);
    }

    /**
     * As {@link #submit(ChannelConnection, AllocExchange, long)}, and when {@code eager} is not null and the
     * connection {@linkplain ChannelConnection#carriesEager() carries eager stores}, with the request's bytes right
     * behind it ({@link ChannelConnection#sendEager}: {@code eagerDone} then hears how they ended). True when sent;
     * {@link AllocExchange#sentEager} says whether the bytes went too.
     */
    public boolean submit(ChannelConnection connection, AllocExchange x, long deadlineNanos, WriteBatch eager,
                          BatchCompletion eagerDone) {
        if (closed || connection == null || !connection.carriesControl()) {
            return false;
        }
        try {
            x.encode(encoder);
        } catch (RuntimeException e) {
            x.onFailure("cannot encode the request: " + e.getMessage(), false);
            return true;
        }
        x.deadlineNanos = deadlineNanos;
        x.inBandId = nextId++;
        x.inBandConnection = connection;
        pending.add(x);
        ControlReplySink s = connection.repliesOnProgressThread() ? runningSink : sink;
        x.eager = eager != null && connection.carriesEager()
                && connection.sendEager(x.inBandId, encoder.array(), 0, encoder.length(), s, eager, eagerDone);
        if (!x.eager && !connection.sendControl(x.inBandId, encoder.array(), 0, encoder.length(), s)) {
            pending.remove(x);
            return false;
        }
        sent = sent + 1; // single writer
        return true;
    }

    /** Exchanges sent in-band so far (any thread). */
    public long sent() {
        return sent;
    }

    /** Replies handled right on the channel thread that read them, without waking the control thread (any thread). */
    public long repliesInPlace() {
        return repliesInPlace;
    }

    /** Exchanges in flight. */
    public int pending() {
        return pending.size();
    }

    /**
     * Channel thread: a reply came; decoded here (its bytes live only during this call), handled here or on the
     * control thread (see the class comment).
     */
    private void onReply(long id, byte[] bytes, int offset, int length, boolean runHere) {
        PdMessage reply;
        String error = null;
        try {
            reply = WireCodec.decode(bytes, offset, length);
        } catch (WireFormatException | RuntimeException e) {
            reply = null;
            error = "malformed in-band reply: " + e.getMessage();
        }
        PdMessage message = reply;
        String why = error;
        Runnable delivery = () -> deliver(id, message, why);
        if (runHere) {
            agent.runOrExecute(delivery);
        } else {
            agent.execute(delivery);
        }
    }

    private void deliver(long id, PdMessage reply, String error) {
        if (!agent.onAgentThread()) {
            repliesInPlace = repliesInPlace + 1; // single writer: the holder of the control agent's lock
        }
        for (int i = 0; i < pending.size(); i++) {
            AllocExchange p = pending.get(i);
            if (p.inBandId == id) {
                pending.remove(i);
                if (reply != null) {
                    p.onReply(reply);
                } else {
                    p.onFailure(error, false);
                }
                return;
            }
        }
        // Late: its exchange already failed (deadline, lost connection); nothing waits for it.
    }

    /** Control thread: the connection of exchange {@code id} closed before its reply; every exchange on it fails. */
    private void lost(long id, String why) {
        for (int i = 0; i < pending.size(); i++) {
            AllocExchange p = pending.get(i);
            if (p.inBandId == id) {
                connectionLost(p.inBandConnection, why);
                return;
            }
        }
        // Already answered, expired or failed.
    }

    /**
     * Control thread: {@code connection} was dropped or failed; every exchange on it fails now (a reply that still
     * comes is ignored).
     */
    public void connectionLost(ChannelConnection connection, String why) {
        if (connection == null || pending.isEmpty()) {
            return;
        }
        ArrayList<AllocExchange> lost = null;
        for (int i = 0; i < pending.size(); i++) {
            AllocExchange p = pending.get(i);
            if (p.inBandConnection == connection) {
                pending.remove(i--);
                (lost == null ? lost = new ArrayList<>() : lost).add(p);
            }
        }
        if (lost != null) {
            for (AllocExchange p : lost) {
                p.onFailure("connection lost: " + why, false);
            }
        }
    }

    @Override
    public int poll(long nowNanos) {
        return 0;
    }

    @Override
    public int expire(long nowNanos) {
        int work = 0;
        for (int i = 0; i < pending.size(); i++) {
            AllocExchange p = pending.get(i);
            if (nowNanos - p.deadlineNanos >= 0) {
                pending.remove(i--);
                p.onFailure("no in-band reply on " + p.inBandConnection.describe() + " within the deadline", true);
                work++;
            }
        }
        return work;
    }

    @Override
    public long nextDeadlineNanos() {
        long next = Long.MAX_VALUE;
        for (int i = 0; i < pending.size(); i++) {
            long d = pending.get(i).deadlineNanos;
            next = next == Long.MAX_VALUE || d - next < 0 ? d : next;
        }
        return next;
    }

    @Override
    public void close() {
        closed = true;
        while (!pending.isEmpty()) {
            AllocExchange p = pending.remove(pending.size() - 1);
            p.onFailure("sender is closing", false);
        }
    }
}
