/**
 * Threads that own their work: an {@link io.kvcourier.agent.Agent} runs a duty cycle on one platform thread
 * ({@link io.kvcourier.agent.AgentRunner}) and waits for work with an {@link io.kvcourier.agent.IdleStrategy}
 * whose last stage blocks on what brings the work. The adapter's control thread and every channel progress
 * thread are agents (after Agrona's {@code AgentRunner} and Aeron's conductor/receiver duty cycles).
 *
 * <p>{@link io.kvcourier.agent.CloseHelper} is how every package closes what it owns, on an agent's way out and on
 * a constructor's failure path alike; like the loop, it depends on nothing else in kvcourier.
 */
package io.kvcourier.agent;
