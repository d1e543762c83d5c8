package io.kvcourier.cli;

import java.io.Serial;

/** The command ran and failed: printed as one line on stderr, exit {@link Main#EXIT_FAILURE}. */
final class CommandFailure extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    CommandFailure(String message) {
        super(message);
    }

    CommandFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
