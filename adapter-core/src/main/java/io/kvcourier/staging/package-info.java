/**
 * Staging memory (internal): one {@link io.kvcourier.staging.StagingBuffer} of native memory per adapter, split
 * into equal pages of one KV chunk, handed out by a {@link io.kvcourier.staging.PageAllocator}. Channels register
 * the whole buffer once (RDMA); the adapter frees it after every channel and task has stopped using it.
 */
package io.kvcourier.staging;
