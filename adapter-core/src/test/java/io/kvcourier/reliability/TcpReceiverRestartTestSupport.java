package io.kvcourier.reliability;

import io.kvcourier.channel.ChannelException;
import io.kvcourier.channel.ChannelReceiver;
import io.kvcourier.channel.ChannelSender;
import io.kvcourier.channel.ChannelSettings;
import io.kvcourier.channel.LandingListener;
import io.kvcourier.channel.TransferChannelFactory;
import io.kvcourier.channel.tcp.TcpChannel;
import io.kvcourier.staging.StagingBuffer;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Shared tcp test channels for the reliability suite. */
final class TcpReceiverRestartTestSupport {
    private TcpReceiverRestartTestSupport() {
    }

    /** tcp, with the receiver's first admitted DATA frame held until the test lets it go. */
    static final class HeldTcp implements TransferChannelFactory {
        final CountDownLatch admitted = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean armed;

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
                        try {
                            release.await(30, TimeUnit.SECONDS); // the batch is on the wire, half-way in
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return false; // the receiver is going down: nothing of this batch lands
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

}
