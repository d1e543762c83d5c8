package io.kvcourier.pd;

/**
 * A transfer channel implementation. {@link PdL2AdapterConfig#channelPreferences()} lists them in the
 * order the adapter tries them; it takes the first one the machine supports.
 */
public enum ChannelKind {
    /** In-process copy between two adapters of the same JVM ({@code transfer_channel: mock_memory}). */
    MOCK_MEMORY,
    /** TCP data connections ({@code tcp}, or {@code nixl} with backend {@code tcp}). */
    TCP,
    /** RDMA RC queue pairs through libibverbs ({@code verbs}, or {@code nixl} with backend rdma/ucx/UCX/verbs). */
    VERBS
}
