from pyengine.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TicketEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TICKET_EVENT_KIND_UNSPECIFIED: _ClassVar[TicketEventKind]
    TICKET_EVENT_KIND_ADDED: _ClassVar[TicketEventKind]
    TICKET_EVENT_KIND_STARTED: _ClassVar[TicketEventKind]
    TICKET_EVENT_KIND_BUMPED: _ClassVar[TicketEventKind]
    TICKET_EVENT_KIND_RECALLED: _ClassVar[TicketEventKind]
    TICKET_EVENT_KIND_VOIDED: _ClassVar[TicketEventKind]
TICKET_EVENT_KIND_UNSPECIFIED: TicketEventKind
TICKET_EVENT_KIND_ADDED: TicketEventKind
TICKET_EVENT_KIND_STARTED: TicketEventKind
TICKET_EVENT_KIND_BUMPED: TicketEventKind
TICKET_EVENT_KIND_RECALLED: TicketEventKind
TICKET_EVENT_KIND_VOIDED: TicketEventKind

class TicketItem(_message.Message):
    __slots__ = ("line_no", "sku", "name", "quantity", "modifiers", "steps", "work_s", "note")
    LINE_NO_FIELD_NUMBER: _ClassVar[int]
    SKU_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    MODIFIERS_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    WORK_S_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    line_no: int
    sku: str
    name: str
    quantity: int
    modifiers: _containers.RepeatedScalarFieldContainer[str]
    steps: _containers.RepeatedScalarFieldContainer[str]
    work_s: int
    note: str
    def __init__(self, line_no: _Optional[int] = ..., sku: _Optional[str] = ..., name: _Optional[str] = ..., quantity: _Optional[int] = ..., modifiers: _Optional[_Iterable[str]] = ..., steps: _Optional[_Iterable[str]] = ..., work_s: _Optional[int] = ..., note: _Optional[str] = ...) -> None: ...

class Ticket(_message.Message):
    __slots__ = ("ticket_id", "order_id", "store_id", "station", "pickup_no", "channel", "state", "items", "created_at_ms", "started_at_ms", "done_at_ms", "due_at_ms", "work_s", "customer_note", "batch")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_FIELD_NUMBER: _ClassVar[int]
    PICKUP_NO_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    DONE_AT_MS_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_MS_FIELD_NUMBER: _ClassVar[int]
    WORK_S_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_NOTE_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    order_id: str
    store_id: str
    station: str
    pickup_no: str
    channel: _common_pb2.Channel
    state: _common_pb2.TicketState
    items: _containers.RepeatedCompositeFieldContainer[TicketItem]
    created_at_ms: int
    started_at_ms: int
    done_at_ms: int
    due_at_ms: int
    work_s: int
    customer_note: str
    batch: int
    def __init__(self, ticket_id: _Optional[str] = ..., order_id: _Optional[str] = ..., store_id: _Optional[str] = ..., station: _Optional[str] = ..., pickup_no: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., state: _Optional[_Union[_common_pb2.TicketState, str]] = ..., items: _Optional[_Iterable[_Union[TicketItem, _Mapping]]] = ..., created_at_ms: _Optional[int] = ..., started_at_ms: _Optional[int] = ..., done_at_ms: _Optional[int] = ..., due_at_ms: _Optional[int] = ..., work_s: _Optional[int] = ..., customer_note: _Optional[str] = ..., batch: _Optional[int] = ...) -> None: ...

class TicketEvent(_message.Message):
    __slots__ = ("seq", "kind", "at_ms", "ticket")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    AT_MS_FIELD_NUMBER: _ClassVar[int]
    TICKET_FIELD_NUMBER: _ClassVar[int]
    seq: int
    kind: TicketEventKind
    at_ms: int
    ticket: Ticket
    def __init__(self, seq: _Optional[int] = ..., kind: _Optional[_Union[TicketEventKind, str]] = ..., at_ms: _Optional[int] = ..., ticket: _Optional[_Union[Ticket, _Mapping]] = ...) -> None: ...

class TicketEventBatch(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[TicketEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[TicketEvent, _Mapping]]] = ...) -> None: ...

class StreamTicketsRequest(_message.Message):
    __slots__ = ("store_id", "station", "after_seq")
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    store_id: str
    station: str
    after_seq: int
    def __init__(self, store_id: _Optional[str] = ..., station: _Optional[str] = ..., after_seq: _Optional[int] = ...) -> None: ...

class TicketActionRequest(_message.Message):
    __slots__ = ("ticket_id",)
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    def __init__(self, ticket_id: _Optional[str] = ...) -> None: ...

class GetStationBoardRequest(_message.Message):
    __slots__ = ("store_id", "station")
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_FIELD_NUMBER: _ClassVar[int]
    store_id: str
    station: str
    def __init__(self, store_id: _Optional[str] = ..., station: _Optional[str] = ...) -> None: ...

class AllDayCount(_message.Message):
    __slots__ = ("sku", "name", "quantity")
    SKU_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    sku: str
    name: str
    quantity: int
    def __init__(self, sku: _Optional[str] = ..., name: _Optional[str] = ..., quantity: _Optional[int] = ...) -> None: ...

class StationBoard(_message.Message):
    __slots__ = ("store_id", "station", "slots", "queue", "all_day", "last_seq", "backlog_s", "upcoming")
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_FIELD_NUMBER: _ClassVar[int]
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    QUEUE_FIELD_NUMBER: _ClassVar[int]
    ALL_DAY_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQ_FIELD_NUMBER: _ClassVar[int]
    BACKLOG_S_FIELD_NUMBER: _ClassVar[int]
    UPCOMING_FIELD_NUMBER: _ClassVar[int]
    store_id: str
    station: str
    slots: int
    queue: _containers.RepeatedCompositeFieldContainer[Ticket]
    all_day: _containers.RepeatedCompositeFieldContainer[AllDayCount]
    last_seq: int
    backlog_s: int
    upcoming: _containers.RepeatedCompositeFieldContainer[Ticket]
    def __init__(self, store_id: _Optional[str] = ..., station: _Optional[str] = ..., slots: _Optional[int] = ..., queue: _Optional[_Iterable[_Union[Ticket, _Mapping]]] = ..., all_day: _Optional[_Iterable[_Union[AllDayCount, _Mapping]]] = ..., last_seq: _Optional[int] = ..., backlog_s: _Optional[int] = ..., upcoming: _Optional[_Iterable[_Union[Ticket, _Mapping]]] = ...) -> None: ...
