from pyengine.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Admission(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ADMISSION_UNSPECIFIED: _ClassVar[Admission]
    ADMISSION_ADMITTED: _ClassVar[Admission]
    ADMISSION_PACED: _ClassVar[Admission]
    ADMISSION_EXTENDED: _ClassVar[Admission]
ADMISSION_UNSPECIFIED: Admission
ADMISSION_ADMITTED: Admission
ADMISSION_PACED: Admission
ADMISSION_EXTENDED: Admission

class OrderLine(_message.Message):
    __slots__ = ("sku", "quantity", "modifiers", "note")
    SKU_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    MODIFIERS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    sku: str
    quantity: int
    modifiers: _containers.RepeatedScalarFieldContainer[str]
    note: str
    def __init__(self, sku: _Optional[str] = ..., quantity: _Optional[int] = ..., modifiers: _Optional[_Iterable[str]] = ..., note: _Optional[str] = ...) -> None: ...

class OrderDraft(_message.Message):
    __slots__ = ("store_id", "channel", "channel_order_id", "lines", "fulfillment", "target_time_ms", "member_id", "customer_note", "member", "points_to_redeem", "delivery_zone")
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    FULFILLMENT_FIELD_NUMBER: _ClassVar[int]
    TARGET_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_NOTE_FIELD_NUMBER: _ClassVar[int]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    POINTS_TO_REDEEM_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ZONE_FIELD_NUMBER: _ClassVar[int]
    store_id: str
    channel: _common_pb2.Channel
    channel_order_id: str
    lines: _containers.RepeatedCompositeFieldContainer[OrderLine]
    fulfillment: _common_pb2.Fulfillment
    target_time_ms: int
    member_id: str
    customer_note: str
    member: MemberContext
    points_to_redeem: int
    delivery_zone: str
    def __init__(self, store_id: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., channel_order_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[OrderLine, _Mapping]]] = ..., fulfillment: _Optional[_Union[_common_pb2.Fulfillment, str]] = ..., target_time_ms: _Optional[int] = ..., member_id: _Optional[str] = ..., customer_note: _Optional[str] = ..., member: _Optional[_Union[MemberContext, _Mapping]] = ..., points_to_redeem: _Optional[int] = ..., delivery_zone: _Optional[str] = ...) -> None: ...

class WalletCoupon(_message.Message):
    __slots__ = ("coupon_id", "promotion_id", "valid_from_ms", "valid_to_ms")
    COUPON_ID_FIELD_NUMBER: _ClassVar[int]
    PROMOTION_ID_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_MS_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_MS_FIELD_NUMBER: _ClassVar[int]
    coupon_id: str
    promotion_id: str
    valid_from_ms: int
    valid_to_ms: int
    def __init__(self, coupon_id: _Optional[str] = ..., promotion_id: _Optional[str] = ..., valid_from_ms: _Optional[int] = ..., valid_to_ms: _Optional[int] = ...) -> None: ...

class MemberContext(_message.Message):
    __slots__ = ("tier", "first_order", "wallet", "points_balance")
    TIER_FIELD_NUMBER: _ClassVar[int]
    FIRST_ORDER_FIELD_NUMBER: _ClassVar[int]
    WALLET_FIELD_NUMBER: _ClassVar[int]
    POINTS_BALANCE_FIELD_NUMBER: _ClassVar[int]
    tier: str
    first_order: bool
    wallet: _containers.RepeatedCompositeFieldContainer[WalletCoupon]
    points_balance: int
    def __init__(self, tier: _Optional[str] = ..., first_order: _Optional[bool] = ..., wallet: _Optional[_Iterable[_Union[WalletCoupon, _Mapping]]] = ..., points_balance: _Optional[int] = ...) -> None: ...

class QuoteOrderRequest(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: OrderDraft
    def __init__(self, order: _Optional[_Union[OrderDraft, _Mapping]] = ...) -> None: ...

class SubmitOrderRequest(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: OrderDraft
    def __init__(self, order: _Optional[_Union[OrderDraft, _Mapping]] = ...) -> None: ...

class PricedLine(_message.Message):
    __slots__ = ("line_no", "sku", "name", "quantity", "modifiers", "unit_price_minor", "gross_minor", "discount_minor", "net_minor")
    LINE_NO_FIELD_NUMBER: _ClassVar[int]
    SKU_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    MODIFIERS_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_MINOR_FIELD_NUMBER: _ClassVar[int]
    GROSS_MINOR_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    NET_MINOR_FIELD_NUMBER: _ClassVar[int]
    line_no: int
    sku: str
    name: str
    quantity: int
    modifiers: _containers.RepeatedScalarFieldContainer[str]
    unit_price_minor: int
    gross_minor: int
    discount_minor: int
    net_minor: int
    def __init__(self, line_no: _Optional[int] = ..., sku: _Optional[str] = ..., name: _Optional[str] = ..., quantity: _Optional[int] = ..., modifiers: _Optional[_Iterable[str]] = ..., unit_price_minor: _Optional[int] = ..., gross_minor: _Optional[int] = ..., discount_minor: _Optional[int] = ..., net_minor: _Optional[int] = ...) -> None: ...

class Quote(_message.Message):
    __slots__ = ("currency", "lines", "subtotal_minor", "discount_minor", "total_minor", "eta_ms", "prep_s", "cups_ahead", "load_level", "promotions", "near_misses", "points_used", "points_value_minor", "admission")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    SUBTOTAL_MINOR_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    TOTAL_MINOR_FIELD_NUMBER: _ClassVar[int]
    ETA_MS_FIELD_NUMBER: _ClassVar[int]
    PREP_S_FIELD_NUMBER: _ClassVar[int]
    CUPS_AHEAD_FIELD_NUMBER: _ClassVar[int]
    LOAD_LEVEL_FIELD_NUMBER: _ClassVar[int]
    PROMOTIONS_FIELD_NUMBER: _ClassVar[int]
    NEAR_MISSES_FIELD_NUMBER: _ClassVar[int]
    POINTS_USED_FIELD_NUMBER: _ClassVar[int]
    POINTS_VALUE_MINOR_FIELD_NUMBER: _ClassVar[int]
    ADMISSION_FIELD_NUMBER: _ClassVar[int]
    currency: str
    lines: _containers.RepeatedCompositeFieldContainer[PricedLine]
    subtotal_minor: int
    discount_minor: int
    total_minor: int
    eta_ms: int
    prep_s: int
    cups_ahead: int
    load_level: _common_pb2.LoadLevel
    promotions: _containers.RepeatedCompositeFieldContainer[AppliedPromotion]
    near_misses: _containers.RepeatedCompositeFieldContainer[NearMiss]
    points_used: int
    points_value_minor: int
    admission: AdmissionDecision
    def __init__(self, currency: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[PricedLine, _Mapping]]] = ..., subtotal_minor: _Optional[int] = ..., discount_minor: _Optional[int] = ..., total_minor: _Optional[int] = ..., eta_ms: _Optional[int] = ..., prep_s: _Optional[int] = ..., cups_ahead: _Optional[int] = ..., load_level: _Optional[_Union[_common_pb2.LoadLevel, str]] = ..., promotions: _Optional[_Iterable[_Union[AppliedPromotion, _Mapping]]] = ..., near_misses: _Optional[_Iterable[_Union[NearMiss, _Mapping]]] = ..., points_used: _Optional[int] = ..., points_value_minor: _Optional[int] = ..., admission: _Optional[_Union[AdmissionDecision, _Mapping]] = ...) -> None: ...

class AdmissionDecision(_message.Message):
    __slots__ = ("decision", "hold_until_ms", "extension_s", "reason")
    DECISION_FIELD_NUMBER: _ClassVar[int]
    HOLD_UNTIL_MS_FIELD_NUMBER: _ClassVar[int]
    EXTENSION_S_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    decision: Admission
    hold_until_ms: int
    extension_s: int
    reason: str
    def __init__(self, decision: _Optional[_Union[Admission, str]] = ..., hold_until_ms: _Optional[int] = ..., extension_s: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class LineAmount(_message.Message):
    __slots__ = ("line_no", "amount_minor")
    LINE_NO_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    line_no: int
    amount_minor: int
    def __init__(self, line_no: _Optional[int] = ..., amount_minor: _Optional[int] = ...) -> None: ...

class AppliedPromotion(_message.Message):
    __slots__ = ("id", "name", "amount_minor", "lines", "explanation")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    amount_minor: int
    lines: _containers.RepeatedCompositeFieldContainer[LineAmount]
    explanation: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., amount_minor: _Optional[int] = ..., lines: _Optional[_Iterable[_Union[LineAmount, _Mapping]]] = ..., explanation: _Optional[str] = ...) -> None: ...

class NearMiss(_message.Message):
    __slots__ = ("id", "add_minor", "extra_discount_minor")
    ID_FIELD_NUMBER: _ClassVar[int]
    ADD_MINOR_FIELD_NUMBER: _ClassVar[int]
    EXTRA_DISCOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    id: str
    add_minor: int
    extra_discount_minor: int
    def __init__(self, id: _Optional[str] = ..., add_minor: _Optional[int] = ..., extra_discount_minor: _Optional[int] = ...) -> None: ...

class QuoteOrderResponse(_message.Message):
    __slots__ = ("quote",)
    QUOTE_FIELD_NUMBER: _ClassVar[int]
    quote: Quote
    def __init__(self, quote: _Optional[_Union[Quote, _Mapping]] = ...) -> None: ...

class SubmitOrderResponse(_message.Message):
    __slots__ = ("order_id", "pickup_no", "quote", "status", "accepted_at_ms")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    PICKUP_NO_FIELD_NUMBER: _ClassVar[int]
    QUOTE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    pickup_no: str
    quote: Quote
    status: _common_pb2.OrderStatus
    accepted_at_ms: int
    def __init__(self, order_id: _Optional[str] = ..., pickup_no: _Optional[str] = ..., quote: _Optional[_Union[Quote, _Mapping]] = ..., status: _Optional[_Union[_common_pb2.OrderStatus, str]] = ..., accepted_at_ms: _Optional[int] = ...) -> None: ...

class TicketRef(_message.Message):
    __slots__ = ("ticket_id", "station", "state")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    station: str
    state: _common_pb2.TicketState
    def __init__(self, ticket_id: _Optional[str] = ..., station: _Optional[str] = ..., state: _Optional[_Union[_common_pb2.TicketState, str]] = ...) -> None: ...

class Order(_message.Message):
    __slots__ = ("order_id", "store_id", "channel", "channel_order_id", "pickup_no", "status", "fulfillment", "target_time_ms", "quote", "accepted_at_ms", "eta_ms", "ready_at_ms", "cancelled_at_ms", "cancel_reason", "tickets", "version", "member_id", "customer_note", "cups_ahead", "delivery_zone")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    PICKUP_NO_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FULFILLMENT_FIELD_NUMBER: _ClassVar[int]
    TARGET_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    QUOTE_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    ETA_MS_FIELD_NUMBER: _ClassVar[int]
    READY_AT_MS_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    CANCEL_REASON_FIELD_NUMBER: _ClassVar[int]
    TICKETS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_NOTE_FIELD_NUMBER: _ClassVar[int]
    CUPS_AHEAD_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ZONE_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    store_id: str
    channel: _common_pb2.Channel
    channel_order_id: str
    pickup_no: str
    status: _common_pb2.OrderStatus
    fulfillment: _common_pb2.Fulfillment
    target_time_ms: int
    quote: Quote
    accepted_at_ms: int
    eta_ms: int
    ready_at_ms: int
    cancelled_at_ms: int
    cancel_reason: str
    tickets: _containers.RepeatedCompositeFieldContainer[TicketRef]
    version: int
    member_id: str
    customer_note: str
    cups_ahead: int
    delivery_zone: str
    def __init__(self, order_id: _Optional[str] = ..., store_id: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., channel_order_id: _Optional[str] = ..., pickup_no: _Optional[str] = ..., status: _Optional[_Union[_common_pb2.OrderStatus, str]] = ..., fulfillment: _Optional[_Union[_common_pb2.Fulfillment, str]] = ..., target_time_ms: _Optional[int] = ..., quote: _Optional[_Union[Quote, _Mapping]] = ..., accepted_at_ms: _Optional[int] = ..., eta_ms: _Optional[int] = ..., ready_at_ms: _Optional[int] = ..., cancelled_at_ms: _Optional[int] = ..., cancel_reason: _Optional[str] = ..., tickets: _Optional[_Iterable[_Union[TicketRef, _Mapping]]] = ..., version: _Optional[int] = ..., member_id: _Optional[str] = ..., customer_note: _Optional[str] = ..., cups_ahead: _Optional[int] = ..., delivery_zone: _Optional[str] = ...) -> None: ...

class GetOrderRequest(_message.Message):
    __slots__ = ("order_id",)
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    def __init__(self, order_id: _Optional[str] = ...) -> None: ...

class CancelOrderRequest(_message.Message):
    __slots__ = ("order_id", "reason")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    reason: str
    def __init__(self, order_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class UpdateTargetRequest(_message.Message):
    __slots__ = ("order_id", "target_time_ms")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    target_time_ms: int
    def __init__(self, order_id: _Optional[str] = ..., target_time_ms: _Optional[int] = ...) -> None: ...

class WatchOrderRequest(_message.Message):
    __slots__ = ("order_id",)
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    def __init__(self, order_id: _Optional[str] = ...) -> None: ...
