from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetRoutingRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StoreRoute(_message.Message):
    __slots__ = ("store_id", "worker")
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_FIELD_NUMBER: _ClassVar[int]
    store_id: str
    worker: int
    def __init__(self, store_id: _Optional[str] = ..., worker: _Optional[int] = ...) -> None: ...

class Routing(_message.Message):
    __slots__ = ("workers", "stores", "this_worker")
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    STORES_FIELD_NUMBER: _ClassVar[int]
    THIS_WORKER_FIELD_NUMBER: _ClassVar[int]
    workers: _containers.RepeatedScalarFieldContainer[str]
    stores: _containers.RepeatedCompositeFieldContainer[StoreRoute]
    this_worker: int
    def __init__(self, workers: _Optional[_Iterable[str]] = ..., stores: _Optional[_Iterable[_Union[StoreRoute, _Mapping]]] = ..., this_worker: _Optional[int] = ...) -> None: ...
