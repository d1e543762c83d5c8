package io.kvcourier.pd;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The stage {@link AsyncPdAdapter} hands out. The adapter completes it on its own threads (a channel's progress
 * thread, the control thread, or the thread that closes the adapter) without starting one; every dependent
 * added without an executor runs on the adapter's virtual-thread executor instead: each non-async method
 * delegates to its async form, whose default executor is the adapter's. Dependents made from it are of this
 * class too, so the rule holds down a chain.
 *
 * <p>A stage returned by the adapter ({@code owned}) cannot be completed, cancelled or obtruded from outside:
 * {@code complete}, {@code completeExceptionally}, {@code completeAsync}, {@code obtrude*}, {@code orTimeout}
 * and {@code completeOnTimeout} throw {@link UnsupportedOperationException}, {@code cancel} does nothing and
 * returns {@code false}. {@link #toCompletableFuture()} gives a separate future, completed from the adapter's
 * executor, that the caller may treat as its own (e.g. for {@code CompletableFuture.allOf}). Dependent stages
 * are ordinary.
 */
final class AdapterFuture<T> extends CompletableFuture<T> {
    private static final String REFUSED = "a stage returned by the kvcourier adapter is completed by the adapter only; "
            + "use toCompletableFuture() for a future of your own (cancel a request with cancelRequest)";

    private final Executor dependents;
    private final boolean owned;

    private AdapterFuture(Executor dependents, boolean owned) {
        this.dependents = dependents;
        this.owned = owned;
    }

    /** A stage the adapter completes and nobody else may. */
    static <T> AdapterFuture<T> owned(Executor dependents) {
        return new AdapterFuture<>(dependents, true);
    }

    // ------------------------------------------------------------------------------------ adapter side

    /** Completes with {@code value} unless already completed; any thread, never blocks on dependents. */
    boolean succeed(T value) {
        return super.complete(value);
    }

    /** Completes exceptionally unless already completed. */
    boolean fail(Throwable cause) {
        return super.completeExceptionally(cause);
    }

    // ------------------------------------------------------------------------------ where dependents run

    @Override
    public Executor defaultExecutor() {
        return dependents;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new AdapterFuture<>(dependents, false);
    }

    @Override
    public <U> CompletableFuture<U> thenApply(Function<? super T, ? extends U> fn) {
        return thenApplyAsync(fn);
    }

    @Override
    public CompletableFuture<Void> thenAccept(Consumer<? super T> action) {
        return thenAcceptAsync(action);
    }

    @Override
    public CompletableFuture<Void> thenRun(Runnable action) {
        return thenRunAsync(action);
    }

    @Override
    public <U, V> CompletableFuture<V> thenCombine(CompletionStage<? extends U> other,
                                                   BiFunction<? super T, ? super U, ? extends V> fn) {
        return thenCombineAsync(other, fn);
    }

    @Override
    public <U> CompletableFuture<Void> thenAcceptBoth(CompletionStage<? extends U> other,
                                                      BiConsumer<? super T, ? super U> action) {
        return thenAcceptBothAsync(other, action);
    }

    @Override
    public CompletableFuture<Void> runAfterBoth(CompletionStage<?> other, Runnable action) {
        return runAfterBothAsync(other, action);
    }

    @Override
    public <U> CompletableFuture<U> applyToEither(CompletionStage<? extends T> other, Function<? super T, U> fn) {
        return applyToEitherAsync(other, fn);
    }

    @Override
    public CompletableFuture<Void> acceptEither(CompletionStage<? extends T> other, Consumer<? super T> action) {
        return acceptEitherAsync(other, action);
    }

    @Override
    public CompletableFuture<Void> runAfterEither(CompletionStage<?> other, Runnable action) {
        return runAfterEitherAsync(other, action);
    }

    @Override
    public <U> CompletableFuture<U> thenCompose(Function<? super T, ? extends CompletionStage<U>> fn) {
        return thenComposeAsync(fn);
    }

    @Override
    public <U> CompletableFuture<U> handle(BiFunction<? super T, Throwable, ? extends U> fn) {
        return handleAsync(fn);
    }

    @Override
    public CompletableFuture<T> whenComplete(BiConsumer<? super T, ? super Throwable> action) {
        return whenCompleteAsync(action);
    }

    @Override
    public CompletableFuture<T> exceptionally(Function<Throwable, ? extends T> fn) {
        return exceptionallyAsync(fn);
    }

    @Override
    public CompletableFuture<T> exceptionallyCompose(Function<Throwable, ? extends CompletionStage<T>> fn) {
        return exceptionallyComposeAsync(fn);
    }

    /**
     * A future of the caller's own with this stage's result, completed from the adapter's executor (never from a
     * progress thread), so that plain-future combinators such as {@code CompletableFuture.allOf} cannot run their
     * dependents on the adapter's threads either. Derived stages return themselves.
     */
    @Override
    public CompletableFuture<T> toCompletableFuture() {
        if (!owned) {
            return this;
        }
        AdapterFuture<T> copy = new AdapterFuture<>(dependents, false);
        super.whenCompleteAsync((v, t) -> {
            if (t != null) {
                copy.fail(t);
            } else {
                copy.succeed(v);
            }
        }, dependents);
        return copy;
    }

    @Override
    public CompletableFuture<T> copy() {
        return owned ? toCompletableFuture() : super.copy();
    }

    @Override
    public CompletionStage<T> minimalCompletionStage() {
        return owned ? this : thenApplyAsync(Function.identity());
    }

    // --------------------------------------------------------------------------- refused on owned stages

    @Override
    public boolean complete(T value) {
        if (owned) {
            throw new UnsupportedOperationException(REFUSED);
        }
        return super.complete(value);
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        if (owned) {
            throw new UnsupportedOperationException(REFUSED);
        }
        return super.completeExceptionally(ex);
    }

    /** Not supported on a stage returned by the adapter: does nothing and returns {@code false}. */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return !owned && super.cancel(mayInterruptIfRunning);
    }

    @Override
    public void obtrudeValue(T value) {
        if (owned) {
            throw new UnsupportedOperationException(REFUSED);
        }
        super.obtrudeValue(value);
    }

    @Override
    public void obtrudeException(Throwable ex) {
        if (owned) {
            throw new UnsupportedOperationException(REFUSED);
        }
        super.obtrudeException(ex);
    }

    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier, Executor executor) {
        if (owned) {
            throw new UnsupportedOperationException(REFUSED);
        }
        return super.completeAsync(supplier, executor);
    }

    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier) {
        if (owned) {
            throw new UnsupportedOperationException(REFUSED);
        }
        return super.completeAsync(supplier);
    }

    @Override
    public CompletableFuture<T> orTimeout(long timeout, TimeUnit unit) {
        if (owned) {
            throw new UnsupportedOperationException(REFUSED);
        }
        return super.orTimeout(timeout, unit);
    }

    @Override
    public CompletableFuture<T> completeOnTimeout(T value, long timeout, TimeUnit unit) {
        if (owned) {
            throw new UnsupportedOperationException(REFUSED);
        }
        return super.completeOnTimeout(value, timeout, unit);
    }
}
