"""Interop peer for WireInteropTest.

  wire_interop.py encode   prints "<case> <hex>" for every sample, encoded by msgspec
  wire_interop.py decode   reads "<case> <hex>" lines (Java's encoding) from stdin, decodes each
                           strictly with msgspec against the case's Union, compares with the sample
                           and with msgspec's own encoding, prints "<case> OK <repr>" or
                           "<case> FAIL <why>"

The samples must match WireInteropTest.CASES field for field.
"""
import sys

import msgspec

import pd_messages as m

SHAPE = [2, 32, 256, 1024]
GID = bytes(range(0xF0, 0x100))

# case name -> (sample, Union used to decode it)
CASES = {
    "proxy_short": (m.ProxyNotif(req_id="1"), m.PDMsg),
    "proxy_unicode": (m.ProxyNotif(req_id="cmpl-\u00fcn\u00ef-\U0001D11E"), m.PDMsg),
    "proxy_empty": (m.ProxyNotif(req_id=""), m.PDMsg),
    "alloc_req_defaults": (m.AllocRequest(keys=["k0", "k1"], fmt=1, shape=SHAPE, dtype="bfloat16",
                                          last_chunk_toks=100), m.PDMsg),
    "alloc_req_full": (m.AllocRequest(keys=["k0"], fmt=1, shape=SHAPE, dtype="bfloat16", last_chunk_toks=256,
                                      req_id="r1", is_last_batch=True, total_chunks=3), m.PDMsg),
    "alloc_req_big": (m.AllocRequest(keys=["key-%03d-" % i + "x" * (i * 13) for i in range(20)], fmt=6,
                                     shape=[2 ** 40, -5, 0, 2 ** 63 - 1, -(2 ** 63)], dtype="fp8_e4m3fn",
                                     last_chunk_toks=65536, req_id="r" * 40, is_last_batch=False,
                                     total_chunks=70000), m.PDMsg),
    "alloc_resp": (m.AllocResponse(remote_indexes=[5, -1]), m.PDMsg),
    "alloc_resp_widths": (m.AllocResponse(remote_indexes=[127, 128, 255, 256, 65535, 65536, -32, -33, -129,
                                                          2 ** 31 - 1, -(2 ** 31)]), m.PDMsg),
    "alloc_resp_sync_meaning": (m.AllocResponse(remote_indexes=[7], already_sent_indexes=[0]), m.PDMsg),
    # current upstream receivers (and kvcourier): pages only for keys not already sent (docs/INTEROP.md)
    "alloc_resp_dedup": (m.AllocResponse(remote_indexes=[9, 12], already_sent_indexes=[0, 2]), m.PDMsg),
    "alloc_resp_all_sent": (m.AllocResponse(remote_indexes=[], already_sent_indexes=[0, 1, 2]), m.PDMsg),
    "alloc_resp_cancel_ack": (m.AllocResponse(remote_indexes=[]), m.PDMsg),
    "cancel": (m.CancelNotif(req_id="r1", keys=["k0"]), m.PDMsg),
    "cancel_empty": (m.CancelNotif(req_id="r2", keys=[]), m.PDMsg),
    "sync_alloc_req": (m.sync.AllocRequest(keys=["k0"], fmt=1, shape=SHAPE, dtype="bfloat16",
                                           last_chunk_toks=256), m.sync.PDMsg),
    "sync_alloc_resp": (m.sync.AllocResponse(already_sent_indexes=[0], remote_indexes=[7]), m.sync.PDMsg),
    "mock_init_req": (m.MockInitRequest(version=1, sender_id="sender-pid42-abcd"), m.InitMsg),
    "mock_init_resp": (m.MockInitResponse(version=1, channel_id="chan-0", page_size=32 << 20), m.InitMsg),
    "tcp_init_req": (m.TcpInitRequest(version=1, sender_id="s"), m.InitMsg),
    "tcp_init_resp": (m.TcpInitResponse(version=1, host="10.0.0.2", port=40123, session_token=bytes(range(32)),
                                        page_size=5 << 30), m.InitMsg),
    "verbs_init_req": (m.VerbsInitRequest(version=1, sender_id="s", qp_nums=[0x11, 0xFFFFFFFF],
                                          psns=[0xFFFFFF, 0], gid=GID, lid=65535, mtu=5), m.InitMsg),
    "verbs_init_resp": (m.VerbsInitResponse(version=1, qp_nums=[7], psns=[0x800000], gid=GID, lid=0, mtu=3,
                                            buffer_addr=2 ** 64 - 1, rkey=0xDEADBEEF, page_size=4096), m.InitMsg),
    "init_error": (m.InitError(version=1, message="protocol version mismatch: \u00e9"), m.InitMsg),
}


def main() -> int:
    mode = sys.argv[1]
    if mode == "encode":
        for name, (sample, _) in CASES.items():
            print(name, msgspec.msgpack.encode(sample).hex())
        return 0
    if mode == "decode":
        failures = 0
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            name, hexed = line.split(" ", 1)
            sample, union = CASES[name]
            data = bytes.fromhex(hexed)
            try:
                decoded = msgspec.msgpack.decode(data, type=union)
            except Exception as e:  # noqa: BLE001 - report any failure to the Java side
                print(name, "FAIL", type(e).__name__, e)
                failures += 1
                continue
            if decoded != sample:
                print(name, "FAIL", "decoded", repr(decoded), "expected", repr(sample))
                failures += 1
            elif msgspec.msgpack.encode(decoded) != data:
                print(name, "FAIL", "re-encoded bytes differ")
                failures += 1
            else:
                print(name, "OK", repr(decoded))
        return 1 if failures else 0
    print("usage: wire_interop.py encode|decode", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
