package io.kvcourier.l2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BitmapTest {

    private static Bitmap of(String bits) {
        Bitmap b = new Bitmap(bits.length());
        for (int i = 0; i < bits.length(); i++) {
            if (bits.charAt(i) == '1') {
                b.set(i);
            }
        }
        return b;
    }

    @Test
    void setClearTestAndToString() {
        Bitmap b = new Bitmap(5);
        b.set(0);
        b.set(2);
        b.set(3);
        b.set(1);
        b.clear(1);
        assertThat(b.toString()).isEqualTo("Bitmap[10110]");
        assertThat(b.test(0)).isTrue();
        assertThat(b.test(1)).isFalse();
        assertThat(b.popcount()).isEqualTo(3);
        assertThat(b.indices()).containsExactly(0, 2, 3);
        assertThat(b.size()).isEqualTo(5);
    }

    @Test
    void prefixOnesAcrossWordBoundaries() {
        for (int size : new int[] {0, 1, 63, 64, 65, 130}) {
            for (int ones : new int[] {0, 1, size / 2, Math.max(0, size - 1), size}) {
                if (ones > size) {
                    continue;
                }
                Bitmap b = new Bitmap(size, ones);
                assertThat(b.popcount()).as("size %d ones %d", size, ones).isEqualTo(ones);
                assertThat(b.countLeadingOnes()).isEqualTo(ones);
                assertThat(b.countLeadingZeros()).isEqualTo(ones == 0 ? size : 0);
                assertThat(b.not().countLeadingZeros()).isEqualTo(ones);
                assertThat(b.not().popcount()).isEqualTo(size - ones);
            }
        }
        assertThatThrownBy(() -> new Bitmap(3, 4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Bitmap(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void leadingCountsStopAtFirstChange() {
        assertThat(of("1101").countLeadingOnes()).isEqualTo(2);
        assertThat(of("0001").countLeadingZeros()).isEqualTo(3);
        Bitmap wide = new Bitmap(100, 70);
        wide.set(80);
        assertThat(wide.countLeadingOnes()).isEqualTo(70);
        Bitmap late = new Bitmap(100);
        late.set(99);
        assertThat(late.countLeadingZeros()).isEqualTo(99);
    }

    @Test
    void andOrNotReturnNewBitmaps() {
        Bitmap a = of("1100");
        Bitmap b = of("1010");
        assertThat(a.and(b)).isEqualTo(of("1000"));
        assertThat(a.or(b)).isEqualTo(of("1110"));
        assertThat(a.not()).isEqualTo(of("0011"));
        assertThat(a).isEqualTo(of("1100"));
        assertThatThrownBy(() -> a.and(new Bitmap(5))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.or(new Bitmap(3))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void notKeepsBitsBeyondSizeClearSoEqualityHolds() {
        Bitmap b = new Bitmap(65);
        assertThat(b.not().not()).isEqualTo(b);
        assertThat(b.not()).isEqualTo(new Bitmap(65, 65));
        assertThat(b.not().hashCode()).isEqualTo(new Bitmap(65, 65).hashCode());
    }

    @Test
    void gatherPicksBitsByIndex() {
        Bitmap b = of("10110");
        assertThat(b.gather(new int[] {4, 3, 0, 0})).isEqualTo(of("0111"));
        assertThat(b.gather(new int[0]).size()).isZero();
        assertThatThrownBy(() -> b.gather(new int[] {5})).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void indexChecks() {
        Bitmap b = new Bitmap(64);
        assertThatThrownBy(() -> b.set(64)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> b.clear(-1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> b.test(64)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> new Bitmap(0).test(0)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void equalityNeedsSameSize() {
        assertThat(new Bitmap(3)).isNotEqualTo(new Bitmap(4));
        assertThat(of("101")).isEqualTo(of("101")).hasSameHashCodeAs(of("101"));
    }
}
