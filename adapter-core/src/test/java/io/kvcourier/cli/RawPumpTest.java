package io.kvcourier.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo's raw pump in one JVM (no timing is asserted). */
class RawPumpTest {

    @Test
    void everyBatchIsDeliveredAndAcknowledged() throws Exception {
        try (RawPump.Server server = RawPump.Server.start("127.0.0.1")) {
            // 5 batches of 3 x 5000 bytes, 2 in flight; run() fails unless every batch is acknowledged
            RawPump.Result r = RawPump.run("127.0.0.1", server.port(), 5, 3, 5000, 2);
            assertEquals(5L * 3 * 5000, r.bytes());
            assertTrue(r.seconds() > 0, "seconds " + r.seconds());
            // the same server takes a second connection
            assertEquals(3000L, RawPump.run("127.0.0.1", server.port(), 1, 1, 3000, 4).bytes());
        }
    }

    @Test
    void aClosedServerIsAClearError() throws Exception {
        for (int i = 0; i < 20; i++) { // close() used to return while a connection could still be accepted
            int port;
            try (RawPump.Server server = RawPump.Server.start("127.0.0.1")) {
                port = server.port();
            }
            assertThrows(IOException.class, () -> RawPump.run("127.0.0.1", port, 1, 1, 1000, 1));
        }
    }
}
