/**
 * The PD (prefill/decode) adapter: {@link io.kvcourier.pd.PdL2Adapter} in its sender or receiver role, its
 * configuration {@link io.kvcourier.pd.PdL2AdapterConfig} (LMCache's keys plus kvcourier's own), and
 * {@link io.kvcourier.pd.AsyncPdAdapter}, the same tasks as {@code CompletionStage}s. Internally the sender engine
 * plans a store into batches per receiver rank, asks the receiver for pages and writes through a transfer channel;
 * the receiver engine answers allocations from its staging buffer and commits keys once their bytes have landed.
 */
package io.kvcourier.pd;
