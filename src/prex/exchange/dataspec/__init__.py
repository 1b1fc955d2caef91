"""National data-spec datasets (公共资源交易平台系统数据规范 V2.0): build, push upstream, ingest.

``schemas`` defines each dataset; ``sources`` reads a deal's public facts, ``builders`` makes the
records (pure); ``outbound`` queues new record versions from the outbox, ``sender`` pushes them
signed; ``inbound`` authenticates and validates what platforms below push here.
"""

from prex.exchange.dataspec.builders import listing_records, tender_records, wan
from prex.exchange.dataspec.inbound import list_platforms, receive_records, register_platform
from prex.exchange.dataspec.outbound import queue_dataspec_records
from prex.exchange.dataspec.schemas import DATASETS, validate_record
from prex.exchange.dataspec.sender import push_pending

__all__ = [
    "DATASETS",
    "list_platforms",
    "listing_records",
    "push_pending",
    "queue_dataspec_records",
    "receive_records",
    "register_platform",
    "tender_records",
    "validate_record",
    "wan",
]
