"""HTTP API of upstream ingestion: platforms below push signed batches of data-spec records.

No account is involved: the detached CMS signature in ``X-Prex-Signature`` over the exact body
authenticates the platform (``prex.exchange.dataspec.inbound``). The answer lists every record
as accepted, duplicate or refused with a stable code.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from prex.exchange.dataspec.errors import MalformedBatch
from prex.exchange.dataspec.inbound import receive_records
from prex.exchange.dataspec.signing import SIGNATURE_HEADER, signature_from_header
from prex.identity.policy import Action
from prex.web.deps import ServicesDep, UowDep, acts

router = APIRouter(tags=["upstream"])

MAX_BODY = 16 * 1024 * 1024


_BATCH = {
    "type": "object",
    "required": ["platform_code", "records"],
    "properties": {
        "platform_code": {"type": "string"},
        "records": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["idempotency_key", "dataset", "version", "record"],
                "properties": {
                    "idempotency_key": {"type": "string", "description": "DATASET:key:version"},
                    "dataset": {"type": "string"},
                    "version": {"type": "integer", "minimum": 1},
                    "record": {"type": "object"},
                },
            },
        },
    },
}


@router.post(
    "/upstream/records",
    openapi_extra={
        **acts(Action.UPSTREAM_PUSH),
        "requestBody": {"required": True, "content": {"application/json": {"schema": _BATCH}}},
        "parameters": [
            {
                "name": SIGNATURE_HEADER,
                "in": "header",
                "required": True,
                "description": "base64 detached CMS signature over the exact body",
                "schema": {"type": "string"},
            }
        ],
    },
)
async def push_records(request: Request, services: ServicesDep, uow: UowDep) -> dict[str, Any]:
    """Receive a batch ``{platform_code, records: [{idempotency_key, dataset, version,
    record}]}`` signed by a registered platform."""
    body = await request.body()
    if len(body) > MAX_BODY:
        raise MalformedBatch(f"a batch is at most {MAX_BODY} bytes")
    signature = signature_from_header(request.headers.get(SIGNATURE_HEADER))
    return await run_in_threadpool(receive_records, services, uow, body, signature)
