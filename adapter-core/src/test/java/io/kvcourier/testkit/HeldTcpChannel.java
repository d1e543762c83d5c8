package io.kvcourier.testkit;

import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.ChannelSettings;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.channel.tcp.TcpChannel;
import io.kvcourier.staging.StagingBuffer;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The tcp channel, with the receiver's first DATA frame admitted after {@link #arm()} held on the receiver's
 * thread: the batch is on the wire, half-way in. The hold ends when the test counts {@link #release} down or
 * after the hold limit; the frame is then refused (the receiver is going down: nothing of that batch lands).
 * Every other frame goes to the adapter's listener unchanged.
 */
public final class HeldTcpChannel implements TransferChannelFactory {
    /** Counted down when the held frame is admitted. */
    public final CountDownLatch admitted = new CountDownLatch(1);
    /** Count it down to let the held frame go. */
    public final CountDownLatch release = new CountDownLatch(1);
    private final Duration maxHold;
    private final Runnable onHeld;
    private volatile boolean armed;

    /** Unarmed; a held frame is let go after 30 s at most. */
    public HeldTcpChannel() {
        this(Duration.ofSeconds(30), () -> { });
    }

    private HeldTcpChannel(Duration maxHold, Runnable onHeld) {
        this.maxHold = maxHold;
        this.onHeld = onHeld;
    }

    /**
     * Armed from the start, for a child JVM that waits to be killed: the first admitted frame runs
     * {@code onHeld} and is held until the process dies (or {@link #release}).
     */
    public static HeldTcpChannel armedUntilKilled(Runnable onHeld) {
        HeldTcpChannel c = new HeldTcpChannel(Duration.ofNanos(Long.MAX_VALUE), onHeld);
        c.arm();
        return c;
    }

    /** Holds the next DATA frame the receiver admits. */
    public void arm() {
        armed = true;
    }

    @Override
    public ChannelSender openSender(ChannelSettings settings, StagingBuffer staging) throws ChannelException {
        return TcpChannel.FACTORY.openSender(settings, staging);
    }

    @Override
    public ChannelReceiver openReceiver(ChannelSettings settings, StagingBuffer staging, LandingListener listener)
            throws ChannelException {
        return TcpChannel.FACTORY.openReceiver(settings, staging, new LandingListener() {
            @Override
            public boolean admitWrite(String senderId, int batchId, int page, long offsetInPage, long length) {
                if (armed) {
                    armed = false;
                    admitted.countDown();
                    onHeld.run();
                    try {
                        release.await(maxHold.toNanos(), TimeUnit.NANOSECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return false;
                }
                return listener.admitWrite(senderId, batchId, page, offsetInPage, length);
            }

            @Override
            public boolean onBatchLanded(String senderId, int batchId) {
                return listener.onBatchLanded(senderId, batchId);
            }
        });
    }
}
