package io.kvcourier.bench;

import io.kvcourier.channel.LandingListener;

/** A receiver-side listener for channel benchmarks: admits every write and commits every batch. */
enum AdmitAll implements LandingListener {
    INSTANCE;

    @Override
    public boolean admitWrite(String senderId, int batchId, int page, long offsetInPage, long length) {
        return true;
    }

    @Override
    public boolean onBatchLanded(String senderId, int batchId) {
        return true;
    }
}
