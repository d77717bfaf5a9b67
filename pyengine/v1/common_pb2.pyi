from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_UNSPECIFIED: _ClassVar[Channel]
    CHANNEL_COUNTER: _ClassVar[Channel]
    CHANNEL_KIOSK: _ClassVar[Channel]
    CHANNEL_TABLE_QR: _ClassVar[Channel]
    CHANNEL_MINI_PROGRAM: _ClassVar[Channel]
    CHANNEL_MEITUAN: _ClassVar[Channel]
    CHANNEL_ELEME: _ClassVar[Channel]
    CHANNEL_OTHER_DELIVERY: _ClassVar[Channel]

class Fulfillment(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FULFILLMENT_UNSPECIFIED: _ClassVar[Fulfillment]
    FULFILLMENT_ASAP: _ClassVar[Fulfillment]
    FULFILLMENT_PICKUP_AT: _ClassVar[Fulfillment]
    FULFILLMENT_DELIVERY: _ClassVar[Fulfillment]

class OrderStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORDER_STATUS_UNSPECIFIED: _ClassVar[OrderStatus]
    ORDER_STATUS_ACCEPTED: _ClassVar[OrderStatus]
    ORDER_STATUS_IN_PROGRESS: _ClassVar[OrderStatus]
    ORDER_STATUS_READY: _ClassVar[OrderStatus]
    ORDER_STATUS_CANCELLED: _ClassVar[OrderStatus]

class LoadLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOAD_LEVEL_UNSPECIFIED: _ClassVar[LoadLevel]
    LOAD_LEVEL_NORMAL: _ClassVar[LoadLevel]
    LOAD_LEVEL_BUSY: _ClassVar[LoadLevel]
    LOAD_LEVEL_RUSH: _ClassVar[LoadLevel]
    LOAD_LEVEL_OVERLOAD: _ClassVar[LoadLevel]

class TicketState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TICKET_STATE_UNSPECIFIED: _ClassVar[TicketState]
    TICKET_STATE_WAITING: _ClassVar[TicketState]
    TICKET_STATE_QUEUED: _ClassVar[TicketState]
    TICKET_STATE_STARTED: _ClassVar[TicketState]
    TICKET_STATE_DONE: _ClassVar[TicketState]
    TICKET_STATE_VOID: _ClassVar[TicketState]
CHANNEL_UNSPECIFIED: Channel
CHANNEL_COUNTER: Channel
CHANNEL_KIOSK: Channel
CHANNEL_TABLE_QR: Channel
CHANNEL_MINI_PROGRAM: Channel
CHANNEL_MEITUAN: Channel
CHANNEL_ELEME: Channel
CHANNEL_OTHER_DELIVERY: Channel
FULFILLMENT_UNSPECIFIED: Fulfillment
FULFILLMENT_ASAP: Fulfillment
FULFILLMENT_PICKUP_AT: Fulfillment
FULFILLMENT_DELIVERY: Fulfillment
ORDER_STATUS_UNSPECIFIED: OrderStatus
ORDER_STATUS_ACCEPTED: OrderStatus
ORDER_STATUS_IN_PROGRESS: OrderStatus
ORDER_STATUS_READY: OrderStatus
ORDER_STATUS_CANCELLED: OrderStatus
LOAD_LEVEL_UNSPECIFIED: LoadLevel
LOAD_LEVEL_NORMAL: LoadLevel
LOAD_LEVEL_BUSY: LoadLevel
LOAD_LEVEL_RUSH: LoadLevel
LOAD_LEVEL_OVERLOAD: LoadLevel
TICKET_STATE_UNSPECIFIED: TicketState
TICKET_STATE_WAITING: TicketState
TICKET_STATE_QUEUED: TicketState
TICKET_STATE_STARTED: TicketState
TICKET_STATE_DONE: TicketState
TICKET_STATE_VOID: TicketState
