package io.kvcourier.agent;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(10)
class CloseHelperTest {

    private final List<String> closed = new ArrayList<>();

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted(); // a test that sets the flag must not leak it into the next
    }

    /** Records its name when closed, then throws {@code failure} if there is one. */
    private AutoCloseable resource(String name, Exception failure) {
        return () -> {
            closed.add(name);
            if (failure != null) {
                throw failure;
            }
        };
    }

    private AutoCloseable resource(String name) {
        return resource(name, null);
    }

    @Test
    void closeAllClosesInTheOrderGivenAndSkipsNulls() {
        CloseHelper.closeAll(resource("a"), null, resource("b"), resource("c"));

        assertThat(closed).containsExactly("a", "b", "c");
    }

    @Test
    void closeAllKeepsClosingAfterAFailureAndThrowsTheFirstWithTheLaterOnesSuppressed() {
        IllegalStateException first = new IllegalStateException("first");
        IllegalArgumentException second = new IllegalArgumentException("second");

        assertThatThrownBy(() -> CloseHelper.closeAll(resource("a", first), resource("b"), resource("c", second),
                resource("d")))
                .isSameAs(first)
                .satisfies(t -> assertThat(t.getSuppressed()).containsExactly(second));
        assertThat(closed).containsExactly("a", "b", "c", "d");
    }

    @Test
    void closeAllWrapsACheckedFirstFailureAndKeepsItAsTheCause() {
        IOException io = new IOException("disk gone");

        assertThatThrownBy(() -> CloseHelper.closeAll(resource("a", io)))
                .isInstanceOf(UncheckedIOException.class)
                .hasCause(io);
        assertThatThrownBy(() -> CloseHelper.closeAll(resource("b", new Exception("checked"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("checked");
    }

    @Test
    void closeAllDoesNotSuppressAFailureInItself() {
        IllegalStateException same = new IllegalStateException("thrown by both");

        assertThatThrownBy(() -> CloseHelper.closeAll(resource("a", same), resource("b", same)))
                .isSameAs(same)
                .satisfies(t -> assertThat(t.getSuppressed()).isEmpty());
        assertThat(closed).containsExactly("a", "b");
    }

    @Test
    void closeOnFailureClosesEverythingAndAttachesEachFailureToTheOriginal() {
        RuntimeException original = new RuntimeException("constructor failed");
        IllegalStateException c1 = new IllegalStateException("close 1");
        IOException c2 = new IOException("close 2");

        CloseHelper.closeOnFailure(original, resource("agent", c1), null, resource("channel", c2),
                resource("staging"));

        assertThat(closed).containsExactly("agent", "channel", "staging");
        assertThat(original.getSuppressed()).containsExactly(c1, c2);
    }

    @Test
    void closeOnFailureNeverAttachesTheOriginalToItself() {
        RuntimeException original = new RuntimeException("rethrown by close");

        CloseHelper.closeOnFailure(original, resource("a", original), resource("b"));

        assertThat(original.getSuppressed()).isEmpty();
        assertThat(closed).containsExactly("a", "b");
    }

    @Test
    void quietCloseAllLogsEachFailureAtWarningInsteadOfThrowingAndKeepsClosing() {
        IOException x = new IOException("x");
        RuntimeException y = new RuntimeException("y");
        IllegalStateException z = new IllegalStateException("z");
        List<LogRecord> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                logged.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(CloseHelper.class.getName());
        logger.addHandler(capture);
        logger.setUseParentHandlers(false); // keep the expected warnings out of the build log
        try {
            CloseHelper.quietCloseAll(resource("a", x), null, resource("b", y), resource("c"));
            CloseHelper.quietClose(resource("d", z));
        } finally {
            logger.removeHandler(capture);
            logger.setUseParentHandlers(true);
        }

        assertThat(closed).containsExactly("a", "b", "c", "d");
        assertThat(logged).extracting(LogRecord::getThrown).containsExactly(x, y, z);
        assertThat(logged).extracting(LogRecord::getLevel).containsOnly(Level.WARNING);
    }

    @Test
    void nullResourcesAndNullArraysAreNothingToClose() {
        CloseHelper.quietClose(null);
        CloseHelper.quietCloseAll((AutoCloseable[]) null);
        CloseHelper.closeAll((AutoCloseable[]) null);
        CloseHelper.closeAll((AutoCloseable) null);
        RuntimeException original = new RuntimeException("x");
        CloseHelper.closeOnFailure(original, (AutoCloseable[]) null);
        CloseHelper.closeOnFailure(original, (AutoCloseable) null);

        assertThat(original.getSuppressed()).isEmpty();
        assertThatThrownBy(() -> CloseHelper.closeOnFailure(null, resource("a")))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("failure");
        assertThat(closed).isEmpty();
    }

    @Test
    void anInterruptedCloseIsAFailureAndTheInterruptStatusIsSetAgain() {
        InterruptedException interrupted = new InterruptedException("while joining");

        CloseHelper.quietClose(resource("a", interrupted));
        assertThat(Thread.interrupted()).isTrue();

        assertThatThrownBy(() -> CloseHelper.closeAll(resource("b", interrupted), resource("c")))
                .isInstanceOf(IllegalStateException.class)
                .hasCause(interrupted);
        assertThat(Thread.interrupted()).isTrue();

        RuntimeException original = new RuntimeException("x");
        CloseHelper.closeOnFailure(original, resource("d", interrupted));
        assertThat(original.getSuppressed()).containsExactly(interrupted);
        assertThat(Thread.interrupted()).isTrue();
        assertThat(closed).containsExactly("a", "b", "c", "d");
    }

    @Test
    void anErrorIsNotACloseFailureAndPropagatesAtOnce() {
        AutoCloseable broken = () -> {
            closed.add("broken");
            throw new AssertionError("bug");
        };

        assertThatThrownBy(() -> CloseHelper.quietCloseAll(broken, resource("after")))
                .isInstanceOf(AssertionError.class);
        assertThat(closed).containsExactly("broken");
    }

    @Test
    void closingAnIdempotentResourceAgainThroughTheHelperIsHarmless() throws IOException {
        SocketChannel ch = SocketChannel.open();

        CloseHelper.closeAll(ch);
        CloseHelper.closeAll(ch);
        CloseHelper.quietClose(ch);
        RuntimeException original = new RuntimeException("x");
        CloseHelper.closeOnFailure(original, ch);

        assertThat(ch.isOpen()).isFalse();
        assertThat(original.getSuppressed()).isEmpty();
    }
}
