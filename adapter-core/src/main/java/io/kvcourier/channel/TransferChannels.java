package io.kvcourier.channel;

import io.kvcourier.channel.tcp.TcpChannel;
import io.kvcourier.channel.verbs.VerbsChannel;
import io.kvcourier.verbs.Verbs;

import java.util.ArrayList;
import java.util.List;

/** Picks the transfer channel an adapter uses: the first of its preferences this machine supports. */
public final class TransferChannels {
    private static final System.Logger LOG = System.getLogger(TransferChannels.class.getName());

    private TransferChannels() {
    }

    /**
     * The factory for the first supported kind in {@code preferences}; a later choice is logged as a fallback
     * warning.
     *
     * @param preferences     the kinds to try, in order
     * @param transferChannel the configured {@code transfer_channel} name the preferences came from (for the
     *                        error message)
     * @throws IllegalArgumentException when no preferred kind is supported here, with every reason
     */
    public static TransferChannelFactory factoryFor(List<ChannelKind> preferences, String transferChannel) {
        List<String> reasons = new ArrayList<>();
        for (int i = 0; i < preferences.size(); i++) {
            ChannelKind kind = preferences.get(i);
            String why = unsupportedReason(kind);
            if (why == null) {
                if (i > 0) {
                    LOG.log(System.Logger.Level.WARNING, "transfer channel {0} chosen as a fallback: {1}",
                            kind, String.join("; ", reasons));
                }
                return factory(kind);
            }
            reasons.add(kind + ": " + why);
        }
        throw new IllegalArgumentException("no usable transfer channel for transfer_channel '"
                + transferChannel + "' (" + String.join("; ", reasons) + ")");
    }

    /** Null when {@code kind} can run on this machine, else the reason it cannot. */
    public static String unsupportedReason(ChannelKind kind) {
        return switch (kind) {
            case MOCK_MEMORY -> null;
            case TCP -> null;
            case VERBS -> Verbs.isAvailable() ? null : "RDMA verbs unavailable: " + Verbs.unavailabilityCause();
        };
    }

    private static TransferChannelFactory factory(ChannelKind kind) {
        return switch (kind) {
            case MOCK_MEMORY -> MockMemoryChannel.FACTORY;
            case TCP -> TcpChannel.FACTORY;
            case VERBS -> VerbsChannel.FACTORY;
        };
    }
}
