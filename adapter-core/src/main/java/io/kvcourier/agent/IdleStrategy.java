package io.kvcourier.agent;

/**
 * How an {@link AgentRunner} waits when its agent found no work: spin ({@link Thread#onSpinWait()}) a few
 * times, then yield a few times, then block in {@link Agent#awaitWork()}. The blocking stage is never a timed
 * sleep: the agent wakes as soon as a source is ready or someone calls {@link AgentRunner#wakeUp()}.
 *
 * <p>Spinning buys microseconds only where a core is free for it. On machines with at most
 * {@value #SMALL_MACHINE_CORES} cores (two JVMs on two cores must not starve each other or a soft-RoCE VM)
 * {@link #standard()} neither spins nor yields; bigger machines spin and yield briefly. The system properties
 * {@code kvcourier.idle.spins} and {@code kvcourier.idle.yields} override the counts.
 *
 * @param spins  empty cycles spent in {@link Thread#onSpinWait()} before yielding, {@code >= 0}
 * @param yields empty cycles spent in {@link Thread#yield()} before blocking, {@code >= 0}
 */
public record IdleStrategy(int spins, int yields) {
    /** At most this many cores: no spinning by default. */
    public static final int SMALL_MACHINE_CORES = 4;

    public IdleStrategy {
        if (spins < 0 || yields < 0) {
            throw new IllegalArgumentException("spins and yields must be >= 0, got " + spins + ", " + yields);
        }
    }

    /** Blocks as soon as there is no work (never spins). */
    public static final IdleStrategy BLOCKING = new IdleStrategy(0, 0);

    /** The default for this machine: {@link #BLOCKING} on small machines, brief spinning on bigger ones. */
    public static IdleStrategy standard() {
        boolean small = Runtime.getRuntime().availableProcessors() <= SMALL_MACHINE_CORES;
        return new IdleStrategy(Integer.getInteger("kvcourier.idle.spins", small ? 0 : 200),
                Integer.getInteger("kvcourier.idle.yields", small ? 0 : 20));
    }
}
