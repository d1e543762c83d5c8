"""msgspec definitions of the PD wire messages, the interop peer of io.kvcourier.wire.

LMCache's messages are copied from its PD backend / PD L2 adapter (docs/PROTOCOL.md#B.2): base
``PDMsgBase(msgspec.Struct, tag=True)``, so each is a msgpack map whose "type" key holds the class
name, every field is encoded (no omit_defaults), unknown keys are ignored on decode.

kvcourier's own channel-handshake messages follow the same style; ``version`` is always the first
field and ``PROTOCOL_VERSION`` is the version this file describes.

The ``sync`` namespace holds the sync-backend schemas (5-field AllocRequest, AllocResponse with
already_sent_indexes first), used only to check the golden vectors.
"""
from types import SimpleNamespace
from typing import Union

import msgspec

PROTOCOL_VERSION = 1


class PDMsgBase(msgspec.Struct, tag=True):
    """Base of all PD messages (tag field "type", tag value = class name)."""


# ---- LMCache (async schema) -------------------------------------------------------------------

class AllocRequest(PDMsgBase):
    keys: list[str]
    fmt: int
    shape: list[int]
    dtype: str
    last_chunk_toks: int
    req_id: str = ""
    is_last_batch: bool = False
    total_chunks: int = 0


class AllocResponse(PDMsgBase):
    remote_indexes: list[int]
    already_sent_indexes: list[int] = []


class ProxyNotif(PDMsgBase):
    req_id: str


class CancelNotif(PDMsgBase):
    req_id: str
    keys: list[str]


PDMsg = Union[AllocRequest, AllocResponse, ProxyNotif, CancelNotif]


# ---- kvcourier channel handshakes ------------------------------------------------------------

class MockInitRequest(PDMsgBase):
    version: int
    sender_id: str


class MockInitResponse(PDMsgBase):
    version: int
    channel_id: str
    page_size: int


class TcpInitRequest(PDMsgBase):
    version: int
    sender_id: str
    data_version: int = 2  # highest tcp data-connection version the sender speaks (2: absent, an older sender)


class TcpInitResponse(PDMsgBase):
    version: int
    host: str
    port: int
    session_token: bytes
    page_size: int
    data_version: int = 2  # tcp data-connection version chosen (2: absent, an older receiver)


class VerbsInitRequest(PDMsgBase):
    version: int
    sender_id: str
    qp_nums: list[int]
    psns: list[int]
    gid: bytes
    lid: int
    mtu: int


class VerbsInitResponse(PDMsgBase):
    version: int
    qp_nums: list[int]
    psns: list[int]
    gid: bytes
    lid: int
    mtu: int
    buffer_addr: int
    rkey: int
    page_size: int


class InitError(PDMsgBase):
    version: int
    message: str


InitMsg = Union[MockInitRequest, MockInitResponse, TcpInitRequest, TcpInitResponse,
                VerbsInitRequest, VerbsInitResponse, InitError]

AnyMsg = Union[AllocRequest, AllocResponse, ProxyNotif, CancelNotif,
               MockInitRequest, MockInitResponse, TcpInitRequest, TcpInitResponse,
               VerbsInitRequest, VerbsInitResponse, InitError]


# ---- LMCache sync-backend schemas (golden vectors only) -------------------------------------

class _SyncAllocRequest(msgspec.Struct, tag="AllocRequest"):
    keys: list[str]
    fmt: int
    shape: list[int]
    dtype: str
    last_chunk_toks: int


class _SyncAllocResponse(msgspec.Struct, tag="AllocResponse"):
    already_sent_indexes: list[int]
    remote_indexes: list[int]


sync = SimpleNamespace(
    AllocRequest=_SyncAllocRequest,
    AllocResponse=_SyncAllocResponse,
    PDMsg=Union[_SyncAllocRequest, _SyncAllocResponse, ProxyNotif],
)
