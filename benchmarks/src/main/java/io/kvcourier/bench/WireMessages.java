package io.kvcourier.bench;

import io.kvcourier.wire.AllocRequest;
import io.kvcourier.wire.AllocResponse;
import io.kvcourier.wire.ProxyNotif;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageUnpacker;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Realistic wire messages for the wire suite, and the same messages encoded and decoded with msgpack-core's
 * generic packer/unpacker (the reference the kvcourier codec is measured beside).
 */
final class WireMessages {
    static final long[] SHAPE = {2, 32, 256, 1024};

    private WireMessages() {
    }

    /** An async-schema AllocRequest with {@code n} canonical keys (32-byte chunk hashes), as the sender builds. */
    static AllocRequest allocRequest(int n) {
        List<String> keys = new ArrayList<>(n);
        HexFormat hex = HexFormat.of();
        for (int i = 0; i < n; i++) {
            byte[] hash = new byte[32];
            for (int b = 0; b < hash.length; b++) {
                hash[b] = (byte) (i * 31 + b * 7);
            }
            keys.add("meta-llama-3.1-8b@00000000@0@" + hex.formatHex(hash));
        }
        return new AllocRequest(keys, 1, SHAPE, "bfloat16", 256, "cmpl-5f0c2a9e7b3d4e1f-0", true, n);
    }

    /** An AllocResponse with {@code n} page indexes. */
    static AllocResponse allocResponse(int n) {
        int[] pages = new int[n];
        for (int i = 0; i < n; i++) {
            pages[i] = 1000 + i;
        }
        return new AllocResponse(pages);
    }

    static ProxyNotif proxyNotif() {
        return new ProxyNotif("cmpl-5f0c2a9e7b3d4e1f-0");
    }

    static void pack(MessageBufferPacker p, AllocRequest m) throws IOException {
        p.packMapHeader(9);
        p.packString("type").packString("AllocRequest");
        p.packString("keys");
        List<String> keys = m.keys();
        p.packArrayHeader(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            p.packString(keys.get(i));
        }
        p.packString("fmt").packInt(m.fmt());
        p.packString("shape");
        long[] shape = m.shape();
        p.packArrayHeader(shape.length);
        for (long v : shape) {
            p.packLong(v);
        }
        p.packString("dtype").packString(m.dtype());
        p.packString("last_chunk_toks").packInt(m.lastChunkToks());
        p.packString("req_id").packString(m.reqId());
        p.packString("is_last_batch").packBoolean(m.isLastBatch());
        p.packString("total_chunks").packInt(m.totalChunks());
    }

    static AllocRequest unpackAllocRequest(MessageUnpacker u) throws IOException {
        int fields = u.unpackMapHeader();
        List<String> keys = List.of();
        long[] shape = new long[0];
        String dtype = "";
        String reqId = "";
        int fmt = 0;
        int toks = 0;
        int total = 0;
        boolean last = false;
        for (int f = 0; f < fields; f++) {
            switch (u.unpackString()) {
                case "type" -> u.unpackString();
                case "keys" -> {
                    int n = u.unpackArrayHeader();
                    List<String> k = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        k.add(u.unpackString());
                    }
                    keys = k;
                }
                case "fmt" -> fmt = u.unpackInt();
                case "shape" -> {
                    int n = u.unpackArrayHeader();
                    shape = new long[n];
                    for (int i = 0; i < n; i++) {
                        shape[i] = u.unpackLong();
                    }
                }
                case "dtype" -> dtype = u.unpackString();
                case "last_chunk_toks" -> toks = u.unpackInt();
                case "req_id" -> reqId = u.unpackString();
                case "is_last_batch" -> last = u.unpackBoolean();
                case "total_chunks" -> total = u.unpackInt();
                default -> u.skipValue();
            }
        }
        return new AllocRequest(keys, fmt, shape, dtype, toks, reqId, last, total);
    }

    static void pack(MessageBufferPacker p, AllocResponse m) throws IOException {
        p.packMapHeader(3);
        p.packString("type").packString("AllocResponse");
        p.packString("remote_indexes");
        int[] r = m.remoteIndexes();
        p.packArrayHeader(r.length);
        for (int v : r) {
            p.packInt(v);
        }
        p.packString("already_sent_indexes");
        int[] a = m.alreadySentIndexes();
        p.packArrayHeader(a.length);
        for (int v : a) {
            p.packInt(v);
        }
    }

    static AllocResponse unpackAllocResponse(MessageUnpacker u) throws IOException {
        int fields = u.unpackMapHeader();
        int[] remote = new int[0];
        int[] already = new int[0];
        for (int f = 0; f < fields; f++) {
            switch (u.unpackString()) {
                case "remote_indexes" -> remote = ints(u);
                case "already_sent_indexes" -> already = ints(u);
                default -> u.skipValue();
            }
        }
        return new AllocResponse(remote, already);
    }

    private static int[] ints(MessageUnpacker u) throws IOException {
        int n = u.unpackArrayHeader();
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = u.unpackInt();
        }
        return out;
    }

    static void pack(MessageBufferPacker p, ProxyNotif m) throws IOException {
        p.packMapHeader(2);
        p.packString("type").packString("ProxyNotif");
        p.packString("req_id").packString(m.reqId());
    }

    static ProxyNotif unpackProxyNotif(MessageUnpacker u) throws IOException {
        int fields = u.unpackMapHeader();
        String reqId = "";
        for (int f = 0; f < fields; f++) {
            switch (u.unpackString()) {
                case "req_id" -> reqId = u.unpackString();
                default -> u.skipValue();
            }
        }
        return new ProxyNotif(reqId);
    }
}
