package io.kvcourier.l2;

import java.util.Random;

/** Random texts shaped like canonical keys, for the parse tests: most are malformed, some are keys. */
final class KeyTexts {
    private KeyTexts() {
    }

    /**
     * A string of up to 29 pieces of {@code alphabet}; one in four gets a well-formed kv_rank after its first
     * {@code '@'}, so that many get past the first rules.
     */
    static String random(Random random, String[] alphabet) {
        StringBuilder sb = new StringBuilder();
        int n = random.nextInt(30);
        for (int c = 0; c < n; c++) {
            sb.append(alphabet[random.nextInt(alphabet.length)]);
        }
        if (random.nextInt(4) == 0) {
            int at = sb.indexOf("@");
            if (at >= 0) {
                sb.insert(at + 1, String.format("%08x@", random.nextInt()));
            }
        }
        return sb.toString();
    }
}
