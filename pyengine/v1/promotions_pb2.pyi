from pyengine.v1 import orders_pb2 as _orders_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Promotion(_message.Message):
    __slots__ = ("id", "definition_json", "enabled", "uses", "updated_at_ms")
    ID_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_JSON_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    USES_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    id: str
    definition_json: str
    enabled: bool
    uses: int
    updated_at_ms: int
    def __init__(self, id: _Optional[str] = ..., definition_json: _Optional[str] = ..., enabled: _Optional[bool] = ..., uses: _Optional[int] = ..., updated_at_ms: _Optional[int] = ...) -> None: ...

class ListPromotionsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPromotionsResponse(_message.Message):
    __slots__ = ("promotions",)
    PROMOTIONS_FIELD_NUMBER: _ClassVar[int]
    promotions: _containers.RepeatedCompositeFieldContainer[Promotion]
    def __init__(self, promotions: _Optional[_Iterable[_Union[Promotion, _Mapping]]] = ...) -> None: ...

class PutPromotionRequest(_message.Message):
    __slots__ = ("definition_json",)
    DEFINITION_JSON_FIELD_NUMBER: _ClassVar[int]
    definition_json: str
    def __init__(self, definition_json: _Optional[str] = ...) -> None: ...

class SetPromotionEnabledRequest(_message.Message):
    __slots__ = ("id", "enabled")
    ID_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    id: str
    enabled: bool
    def __init__(self, id: _Optional[str] = ..., enabled: _Optional[bool] = ...) -> None: ...

class DryRunRequest(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: _orders_pb2.OrderDraft
    def __init__(self, order: _Optional[_Union[_orders_pb2.OrderDraft, _Mapping]] = ...) -> None: ...

class NotApplied(_message.Message):
    __slots__ = ("id", "reason", "explanation")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    explanation: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ..., explanation: _Optional[str] = ...) -> None: ...

class PriceBreakdown(_message.Message):
    __slots__ = ("quote", "not_applied", "exact")
    QUOTE_FIELD_NUMBER: _ClassVar[int]
    NOT_APPLIED_FIELD_NUMBER: _ClassVar[int]
    EXACT_FIELD_NUMBER: _ClassVar[int]
    quote: _orders_pb2.Quote
    not_applied: _containers.RepeatedCompositeFieldContainer[NotApplied]
    exact: bool
    def __init__(self, quote: _Optional[_Union[_orders_pb2.Quote, _Mapping]] = ..., not_applied: _Optional[_Iterable[_Union[NotApplied, _Mapping]]] = ..., exact: _Optional[bool] = ...) -> None: ...
