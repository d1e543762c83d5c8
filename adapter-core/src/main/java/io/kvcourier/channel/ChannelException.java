package io.kvcourier.channel;

/**
 * A transfer channel failed: a handshake was refused, a peer went away, a write or its acknowledgement
 * failed or timed out. The message says which call and which peer; the task that saw it fails.
 */
public class ChannelException extends Exception {
    private static final long serialVersionUID = 1L;

    public ChannelException(String message) {
        super(message);
    }

    public ChannelException(String message, Throwable cause) {
        super(message, cause);
    }
}
