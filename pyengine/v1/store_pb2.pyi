from pyengine.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Modifier(_message.Message):
    __slots__ = ("code", "name", "price_minor", "available")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRICE_MINOR_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    price_minor: int
    available: bool
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., price_minor: _Optional[int] = ..., available: _Optional[bool] = ...) -> None: ...

class MenuItem(_message.Message):
    __slots__ = ("sku", "name", "category", "price_minor", "available", "modifiers", "work_s")
    SKU_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PRICE_MINOR_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    MODIFIERS_FIELD_NUMBER: _ClassVar[int]
    WORK_S_FIELD_NUMBER: _ClassVar[int]
    sku: str
    name: str
    category: str
    price_minor: int
    available: bool
    modifiers: _containers.RepeatedCompositeFieldContainer[Modifier]
    work_s: int
    def __init__(self, sku: _Optional[str] = ..., name: _Optional[str] = ..., category: _Optional[str] = ..., price_minor: _Optional[int] = ..., available: _Optional[bool] = ..., modifiers: _Optional[_Iterable[_Union[Modifier, _Mapping]]] = ..., work_s: _Optional[int] = ...) -> None: ...

class Station(_message.Message):
    __slots__ = ("name", "slots", "batch_size")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    name: str
    slots: int
    batch_size: int
    def __init__(self, name: _Optional[str] = ..., slots: _Optional[int] = ..., batch_size: _Optional[int] = ...) -> None: ...

class Menu(_message.Message):
    __slots__ = ("store_id", "store_name", "currency", "items", "stations")
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    STORE_NAME_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    STATIONS_FIELD_NUMBER: _ClassVar[int]
    store_id: str
    store_name: str
    currency: str
    items: _containers.RepeatedCompositeFieldContainer[MenuItem]
    stations: _containers.RepeatedCompositeFieldContainer[Station]
    def __init__(self, store_id: _Optional[str] = ..., store_name: _Optional[str] = ..., currency: _Optional[str] = ..., items: _Optional[_Iterable[_Union[MenuItem, _Mapping]]] = ..., stations: _Optional[_Iterable[_Union[Station, _Mapping]]] = ...) -> None: ...

class GetMenuRequest(_message.Message):
    __slots__ = ("store_id",)
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    store_id: str
    def __init__(self, store_id: _Optional[str] = ...) -> None: ...

class SetAvailabilityRequest(_message.Message):
    __slots__ = ("store_id", "sku", "modifier", "available")
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    SKU_FIELD_NUMBER: _ClassVar[int]
    MODIFIER_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    store_id: str
    sku: str
    modifier: str
    available: bool
    def __init__(self, store_id: _Optional[str] = ..., sku: _Optional[str] = ..., modifier: _Optional[str] = ..., available: _Optional[bool] = ...) -> None: ...

class SetStaffingRequest(_message.Message):
    __slots__ = ("store_id", "station", "slots")
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_FIELD_NUMBER: _ClassVar[int]
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    store_id: str
    station: str
    slots: int
    def __init__(self, store_id: _Optional[str] = ..., station: _Optional[str] = ..., slots: _Optional[int] = ...) -> None: ...

class WatchLoadRequest(_message.Message):
    __slots__ = ("store_id",)
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    store_id: str
    def __init__(self, store_id: _Optional[str] = ...) -> None: ...

class LoadUpdate(_message.Message):
    __slots__ = ("store_id", "level", "reason", "open_orders", "backlog_s", "at_ms", "since_ms", "pacing", "fast_mode", "hidden", "paused_channels", "actions")
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    OPEN_ORDERS_FIELD_NUMBER: _ClassVar[int]
    BACKLOG_S_FIELD_NUMBER: _ClassVar[int]
    AT_MS_FIELD_NUMBER: _ClassVar[int]
    SINCE_MS_FIELD_NUMBER: _ClassVar[int]
    PACING_FIELD_NUMBER: _ClassVar[int]
    FAST_MODE_FIELD_NUMBER: _ClassVar[int]
    HIDDEN_FIELD_NUMBER: _ClassVar[int]
    PAUSED_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    store_id: str
    level: _common_pb2.LoadLevel
    reason: str
    open_orders: int
    backlog_s: int
    at_ms: int
    since_ms: int
    pacing: bool
    fast_mode: bool
    hidden: _containers.RepeatedScalarFieldContainer[str]
    paused_channels: _containers.RepeatedScalarFieldContainer[_common_pb2.Channel]
    actions: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, store_id: _Optional[str] = ..., level: _Optional[_Union[_common_pb2.LoadLevel, str]] = ..., reason: _Optional[str] = ..., open_orders: _Optional[int] = ..., backlog_s: _Optional[int] = ..., at_ms: _Optional[int] = ..., since_ms: _Optional[int] = ..., pacing: _Optional[bool] = ..., fast_mode: _Optional[bool] = ..., hidden: _Optional[_Iterable[str]] = ..., paused_channels: _Optional[_Iterable[_Union[_common_pb2.Channel, str]]] = ..., actions: _Optional[_Iterable[str]] = ...) -> None: ...
