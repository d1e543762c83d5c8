/**
 * A kvcourier consumer on the module path: {@code requires io.kvcourier} is all it declares; kvcourier's module
 * brings its own dependencies (io.kvcourier.verbs, org.zeromq.jeromq, msgpack.core, jdk.jfr). Run with
 * {@code --enable-native-access=io.kvcourier.verbs,io.kvcourier}.
 */
module org.example.kvconsumer {
    requires io.kvcourier;
}
