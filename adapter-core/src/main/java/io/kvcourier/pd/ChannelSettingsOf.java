package io.kvcourier.pd;

import io.kvcourier.channel.ChannelSettings;

/** Fills the transfer channel's settings from the adapter's configuration: the one place the two meet. */
final class ChannelSettingsOf {

    private ChannelSettingsOf() {
    }

    /** {@return the values of {@code config} that a transfer channel reads} */
    static ChannelSettings config(PdL2AdapterConfig config) {
        return new ChannelSettings(config.bindHost(), config.peerHost(), config.handshakeTimeout(),
                config.shutdownTimeout(), config.numQps(), config.rdmaDevice(), config.rdmaPort(), config.gidIndex());
    }
}
