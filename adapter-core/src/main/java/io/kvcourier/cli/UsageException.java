package io.kvcourier.cli;

import java.io.Serial;

/**
 * Bad command-line arguments or configuration: the command prints the message as one line on stderr and
 * exits with {@link Main#EXIT_USAGE}. The message names the option or config key at fault.
 */
final class UsageException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }

    UsageException(String message, Throwable cause) {
        super(message, cause);
    }
}
