package io.kvcourier.cli;

import io.kvcourier.notify.ProxyListener;

import java.time.Instant;

/**
 * The demo's own proxy: a {@link ProxyListener} on an ephemeral loopback port that records each notification's
 * arrival (wall-clock microseconds) in {@link DemoStats}. Owns the listener; {@link #close()} releases its
 * socket and thread.
 */
final class EmbeddedProxy implements AutoCloseable {
    private final ProxyListener listener;

    private EmbeddedProxy(ProxyListener listener) {
        this.listener = listener;
    }

    static EmbeddedProxy start(DemoStats stats) {
        return new EmbeddedProxy(ProxyListener.bind("127.0.0.1", 0, ProxyListener.DEFAULT_MAX_MESSAGE_BYTES,
                (reqId, nanos, at) -> stats.notified(reqId, micros(at))));
    }

    static long micros(Instant at) {
        return at.getEpochSecond() * 1_000_000L + at.getNano() / 1_000;
    }

    int port() {
        return listener.port();
    }

    @Override
    public void close() {
        listener.close();
    }
}
