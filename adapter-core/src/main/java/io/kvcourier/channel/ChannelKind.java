package io.kvcourier.channel;

/**
 * A transfer channel implementation. The adapter's configuration lists them in the order to try
 * ({@code PdL2AdapterConfig.channelPreferences()}); {@link TransferChannels#factoryFor} takes the first one the
 * machine supports.
 */
public enum ChannelKind {
    /** In-process copy between two adapters of the same JVM ({@code transfer_channel: mock_memory}). */
    MOCK_MEMORY,
    /** TCP data connections ({@code tcp}, or {@code nixl} with backend {@code tcp}). */
    TCP,
    /** RDMA RC queue pairs through libibverbs ({@code verbs}, or {@code nixl} with backend rdma/ucx/UCX/verbs). */
    VERBS
}
