/**
 * FFM bindings in jextract's generated form for libibverbs ({@link io.kvcourier.verbs.gen.verbs_h})
 * and the libc calls kvcourier uses ({@link io.kvcourier.verbs.gen.libc_h}), one class per C struct
 * or union, named exactly like it. Written by {@code jextract/stylegen.py} from the allow-lists in
 * {@code jextract/}; checked against the installed C headers by {@code LayoutCheckTest}. Do not edit
 * by hand: change the table in {@code stylegen.py} and regenerate.
 */
package io.kvcourier.verbs.gen;
