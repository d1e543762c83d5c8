package io.kvcourier.cli;

import io.kvcourier.pd.ConfigException;
import io.kvcourier.pd.PdL2AdapterConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads {@code --config FILE|JSON}: an argument whose first non-blank character is <code>{</code> is the JSON
 * itself, anything else is the path of a file holding it. The keys are LMCache's {@code PdL2AdapterConfig}
 * keys as they are ({@link PdL2AdapterConfig#help()}).
 */
final class ConfigSource {
    private ConfigSource() {
    }

    /**
     * @throws UsageException naming the file that cannot be read or the config key at fault
     */
    static PdL2AdapterConfig read(String arg) throws UsageException {
        String json;
        if (arg.strip().startsWith("{")) {
            json = arg;
        } else {
            try {
                json = Files.readString(Path.of(arg), StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw new UsageException(
                        "--config: no such file '" + arg + "' (give a JSON object or a file holding one)");
            } catch (IOException | RuntimeException e) {
                throw new UsageException("--config: cannot read '" + arg + "': " + e.getMessage());
            }
        }
        try {
            return PdL2AdapterConfig.fromJson(json);
        } catch (ConfigException e) {
            String where = e.field().isEmpty() ? "" : " (key " + e.field() + ")";
            throw new UsageException("--config" + where + ": " + e.getMessage().replace('\n', ' '));
        }
    }
}
