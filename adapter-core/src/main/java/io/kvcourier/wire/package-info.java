/**
 * The PD wire codec: LMCache's msgspec tagged structs ({@link io.kvcourier.wire.AllocRequest},
 * {@link io.kvcourier.wire.AllocResponse}, {@link io.kvcourier.wire.ProxyNotif},
 * {@link io.kvcourier.wire.CancelNotif}) and kvcourier's channel handshakes
 * ({@link io.kvcourier.wire.HandshakeMessage}), as msgpack maps byte-identical to msgspec 0.22.
 *
 * <p>Entry points: {@link io.kvcourier.wire.WireCodec} (static, thread-safe) and
 * {@link io.kvcourier.wire.WireEncoder} (one per thread, allocation-free after warm-up). Decoding
 * follows msgspec's rules, checks every header against {@link io.kvcourier.wire.WireLimits} before
 * allocating, and reports every bad input as a {@link io.kvcourier.wire.WireFormatException}.
 * Interop is tested against the real msgspec ({@code src/test/python/pd_messages.py}).
 */
package io.kvcourier.wire;
