/**
 * The hand-written layer over the generated bindings in {@code io.kvcourier.verbs.gen}: what
 * jextract cannot give.
 *
 * <ul>
 *   <li>{@link io.kvcourier.verbs.Errno} and {@link io.kvcourier.verbs.NativeException}: errno
 *       captured with {@code Linker.Option.captureCallState("errno")}, mapped to an exception that
 *       names the C call, the errno and {@code strerror}'s text.</li>
 *   <li>{@link io.kvcourier.verbs.InlineVerbs}: the {@code static inline} verbs, dispatched through
 *       the function pointers of {@code ibv_context.ops} / {@code verbs_context}.</li>
 *   <li>{@link io.kvcourier.verbs.EventFd}, {@link io.kvcourier.verbs.Epoll},
 *       {@link io.kvcourier.verbs.Fcntl}: owned, idempotently closed wrappers with reused native
 *       buffers.</li>
 *   <li>{@link io.kvcourier.verbs.Verbs}: the once-per-JVM availability probe and the device
 *       inventory ({@link io.kvcourier.verbs.RdmaDevice}, {@link io.kvcourier.verbs.RdmaPort},
 *       {@link io.kvcourier.verbs.GidEntry}).</li>
 * </ul>
 *
 * Every JVM that uses this package needs {@code --enable-native-access=ALL-UNNAMED} (JDK 25 only warns
 * without it today). Nothing here loads {@code libibverbs.so.1} until a verbs function is called, so
 * the classes load on machines without it; ask {@link io.kvcourier.verbs.Verbs#isAvailable()} first.
 */
package io.kvcourier.verbs;
