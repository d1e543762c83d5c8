/**
 * The L2 adapter contract kvcourier implements, as LMCache defines it: {@link io.kvcourier.l2.L2Adapter}
 * (submit, poll, pop; three eventfds, one per operation), the chunk identity {@link io.kvcourier.l2.ObjectKey},
 * caller-owned chunk memory {@link io.kvcourier.l2.MemoryObj}, per-task results {@link io.kvcourier.l2.Bitmap}
 * and the request a store belongs to, {@link io.kvcourier.l2.TransferSpec}. Nothing here knows about RDMA, ZMQ or
 * the wire.
 */
package io.kvcourier.l2;
