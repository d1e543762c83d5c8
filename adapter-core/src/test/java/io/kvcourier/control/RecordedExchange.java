package io.kvcourier.control;

import io.kvcourier.wire.AllocRequest;
import io.kvcourier.wire.PdMessage;
import io.kvcourier.wire.WireEncoder;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A one-key AllocRequest exchange that records its reply or failure (a failure ends in " (timed out)" if so). */
final class RecordedExchange extends AllocExchange {
    final String key;
    final CompletableFuture<PdMessage> reply = new CompletableFuture<>();
    final CompletableFuture<String> failure = new CompletableFuture<>();

    RecordedExchange(String key) {
        this.key = key;
    }

    @Override
    protected ByteBuffer encode(WireEncoder encoder) {
        return encoder.encode(new AllocRequest(List.of(key), 1, new long[] {2, 1, 16, 8}, "bfloat16", 16));
    }

    @Override
    protected void onReply(PdMessage r) {
        reply.complete(r);
    }

    @Override
    protected void onFailure(String why, boolean timedOut) {
        failure.complete(why + (timedOut ? " (timed out)" : ""));
    }
}
