/**
 * The {@code kvcourier} command ({@link io.kvcourier.cli.Main}): {@code doctor} (what this machine offers),
 * {@code receiver} and {@code sender} (a decode and a prefill node over LMCache's PD adapter config, moving a
 * synthetic workload whose bytes derive from the keys so that the decode side verifies every chunk),
 * {@code proxy} (prints each ProxyNotif), and {@code demo} (all of them together, in separate JVMs or one).
 *
 * <p>Commands print machine-readable event lines on stdout ({@code READY}, {@code VERIFIED}, {@code STORED},
 * {@code NOTIF}, {@code DONE}: a word followed by {@code key=value} fields) so that a parent process can drive
 * them; human messages go to stderr. Exit codes: 0 success, 1 the command failed (one line says why), 2 bad
 * arguments or configuration (one line names the option or config key).
 */
package io.kvcourier.cli;
