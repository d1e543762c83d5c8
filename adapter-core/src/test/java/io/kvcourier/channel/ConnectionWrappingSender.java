package io.kvcourier.channel;

import io.kvcourier.wire.PdMessage;

/**
 * Test kit: a {@link ChannelSender} that delegates to {@code inner} and passes every connection its handshakes
 * complete through {@code wrap} (to record it, stall it, steer its writes). Closing it closes {@code inner}.
 */
public final class ConnectionWrappingSender implements ChannelSender {
    /** What to do with each connection a handshake completes. */
    @FunctionalInterface
    public interface Wrapper {
        ChannelConnection wrap(ChannelConnection connection) throws ChannelException;
    }

    private final ChannelSender inner;
    private final Wrapper wrapper;

    public ConnectionWrappingSender(ChannelSender inner, Wrapper wrapper) {
        this.inner = inner;
        this.wrapper = wrapper;
    }

    @Override
    public Handshake beginConnect(String senderId) throws ChannelException {
        Handshake hs = inner.beginConnect(senderId);
        return new Handshake() {
            @Override
            public PdMessage request() {
                return hs.request();
            }

            @Override
            public ChannelConnection complete(PdMessage reply) throws ChannelException {
                return wrapper.wrap(hs.complete(reply));
            }

            @Override
            public void abort() {
                hs.abort();
            }
        };
    }

    @Override
    public void close() {
        inner.close();
    }
}
