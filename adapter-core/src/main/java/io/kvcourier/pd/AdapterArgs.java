package io.kvcourier.pd;

import io.kvcourier.l2.MemoryObj;
import io.kvcourier.l2.ObjectKey;
import io.kvcourier.l2.TransferSpec;

import java.util.List;
import java.util.Objects;

/** Checks of the adapter's task arguments, failing with a message that names the argument and the rule. */
final class AdapterArgs {
    private AdapterArgs() {
    }

    static void checkSpec(TransferSpec spec) {
        Objects.requireNonNull(spec, "spec");
        if (!spec.reqId().isEmpty() && spec.totalChunks() <= 0) {
            throw new IllegalArgumentException("TransferSpec.totalChunks must be > 0 when reqId is set, got 0 for "
                    + "reqId '" + spec.reqId() + "': the receiver reserves pages for the whole request and refuses "
                    + "total_chunks 0");
        }
    }

    static void checkArgs(List<ObjectKey> keys, List<MemoryObj> objects) {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(objects, "objects");
        if (keys.size() != objects.size()) {
            throw new IllegalArgumentException("keys and objects differ in length: " + keys.size() + " vs "
                    + objects.size());
        }
        for (int i = 0; i < keys.size(); i++) {
            if (keys.get(i) == null || objects.get(i) == null) {
                throw new IllegalArgumentException("null key or object at position " + i);
            }
        }
    }
}
