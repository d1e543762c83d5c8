package io.kvcourier.pd;

import java.io.Serial;
import java.util.Objects;

/**
 * A configuration value is missing, malformed or out of range. The message is meant for the operator and
 * names the key (for upstream's ten keys it is upstream's {@code ValueError} text exactly).
 */
public final class ConfigException extends IllegalArgumentException {

    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * The config key at fault, {@code ""} when none applies.
     */
    private final String field;

    /**
     * An error about a config key.
     *
     * @param field   the config key at fault (several unknown keys are joined with {@code ", "}); {@code ""}
     *                when the document as a whole is at fault (for example malformed JSON)
     * @param message the operator-facing message
     */
    public ConfigException(String field, String message) {
        super(message);
        this.field = Objects.requireNonNull(field, "field");
    }

    /**
     * Like {@link #ConfigException(String, String)}, keeping the cause.
     *
     * @param field the config key at fault
     * @param message what is wrong and what is accepted
     * @param cause the underlying error
     */
    public ConfigException(String field, String message, Throwable cause) {
        super(message, cause);
        this.field = Objects.requireNonNull(field, "field");
    }

    /** {@return the config key at fault, or {@code ""} when the whole document is} */
    public String field() {
        return field;
    }
}
