/**
 * kvcourier's FFM bindings to {@code libibverbs} and the Linux calls it needs ({@code eventfd}, {@code epoll},
 * {@code fcntl}), and the thin owned layer over them ({@link io.kvcourier.verbs.EventFd},
 * {@link io.kvcourier.verbs.Epoll}, {@link io.kvcourier.verbs.Verbs}, ...).
 *
 * <p>The generated bindings ({@code io.kvcourier.verbs.gen}, jextract's style) are exported to
 * {@code io.kvcourier} (adapter-core) only. This module calls restricted FFM methods: grant it native access
 * with {@code --enable-native-access=io.kvcourier.verbs} on the module path ({@code ALL-UNNAMED} on the
 * class path).
 */
@SuppressWarnings("module") // io.kvcourier (adapter-core) is built after this module, so javac cannot see it here
module io.kvcourier.verbs {
    exports io.kvcourier.verbs;
    exports io.kvcourier.verbs.gen to io.kvcourier;
}
