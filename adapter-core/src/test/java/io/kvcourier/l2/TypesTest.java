package io.kvcourier.l2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TypesTest {

    @Test
    void dtypeWireNamesAndSizesMatchLmcache() {
        String[] names = {"half", "bfloat16", "float", "double", "int8", "uint8", "int16", "int32", "int64", "bool",
            "fp8_e4m3fn", "fp8_e4m3fnuz", "fp8_e5m2", "fp8_e5m2fnuz"};
        int[] sizes = {2, 2, 4, 8, 1, 1, 2, 4, 8, 1, 1, 1, 1, 1};
        assertThat(DType.values()).hasSize(names.length);
        for (int i = 0; i < names.length; i++) {
            DType t = DType.fromWireName(names[i]);
            assertThat(t.wireName()).isEqualTo(names[i]);
            assertThat(t.itemSize()).as(names[i]).isEqualTo(sizes[i]);
        }
        assertThat(DType.fromWireName("bfloat16")).isEqualTo(DType.BFLOAT16);
    }

    @Test
    void unknownDtypeListsAcceptedNames() {
        assertThatThrownBy(() -> DType.fromWireName("float16")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("float16").hasMessageContaining("bfloat16").hasMessageContaining("fp8_e5m2fnuz");
        assertThatThrownBy(() -> DType.fromWireName("BFLOAT16")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void memoryFormatValuesAndTokenDims() {
        int[] tokenDims = {0, 2, 1, 0, 0, 0, 2, 2};
        for (int v = 0; v < 8; v++) {
            MemoryFormat f = MemoryFormat.fromValue(v);
            assertThat(f.value()).isEqualTo(v);
            assertThat(f.tokenDim()).as(f.name()).isEqualTo(tokenDims[v]);
        }
        assertThat(MemoryFormat.fromValue(1)).isEqualTo(MemoryFormat.KV_2LTD);
        assertThat(MemoryFormat.fromValue(7)).isEqualTo(MemoryFormat.KV_DSA_INDEX_FMT);
        assertThatThrownBy(() -> MemoryFormat.fromValue(8)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("8");
        assertThatThrownBy(() -> MemoryFormat.fromValue(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void transferSpec() {
        assertThat(TransferSpec.NONE).isEqualTo(new TransferSpec("", false, 0));
        assertThat(new TransferSpec("req-1", true, 12).totalChunks()).isEqualTo(12);
        assertThatThrownBy(() -> new TransferSpec(null, false, 0)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new TransferSpec("r", false, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("totalChunks");
    }
}
