package io.kvcourier.control;

/** A control-plane exchange (alloc request, handshake) failed: timeout, refusal, malformed reply, shutdown. */
public class ControlException extends Exception {
    private static final long serialVersionUID = 1L;

    public ControlException(String message) {
        super(message);
    }

    public ControlException(String message, Throwable cause) {
        super(message, cause);
    }
}
