"""Every operation of prex's HTTP API, made from its OpenAPI document; do not edit.

Regenerate with ``prex sdk generate`` (from the repository root); ``prex sdk generate --check``
and tests/integration/test_sdk_drift.py fail when this file and the API drift apart.
"""

# fmt: off
# ruff: noqa: E501

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prex_client._spec import OperationsBase

SPEC_FINGERPRINT = '1e81bf5ef326c95829fb94aef825f3f96e150794c281165d2a5a274a24d5e192'

_TABLE: dict[str, dict[str, Any]] = {
    'analytics_get_dashboard': {
        'method': 'GET',
        'path': '/api/v1/analytics/dashboards/{name}',
        'path_params': ('name',),
        'query': (('centre', False, 'str | None'), ('region', False, 'str | None'), ('type', False, 'str | None'), ('from', False, 'str | None'), ('to', False, 'str | None'), ('sandbox', False, 'str | None'), ('format', False, 'str')),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'analytics.read',
        'summary': 'Get Dashboard',
    },
    'archives_build_archive': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/archives',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'archive.build',
        'summary': 'Build Archive',
    },
    'archives_download_archive': {
        'method': 'GET',
        'path': '/api/v1/archives/{archive_id}/file',
        'path_params': ('archive_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'archive.read',
        'summary': 'Download Archive',
    },
    'archives_get_archive': {
        'method': 'GET',
        'path': '/api/v1/archives/{archive_id}',
        'path_params': ('archive_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'archive.read',
        'summary': 'Get Archive',
    },
    'archives_list_archives': {
        'method': 'GET',
        'path': '/api/v1/archives',
        'path_params': (),
        'query': (('tender_id', False, 'str | None'),),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'archive.read',
        'summary': 'List Archives',
    },
    'auction_bids_place_bid': {
        'method': 'POST',
        'path': '/api/v1/listings/{listing_id}/bids',
        'path_params': ('listing_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'listing.bid',
        'summary': 'Place Bid',
    },
    'auction_bids_read_book': {
        'method': 'GET',
        'path': '/api/v1/listings/{listing_id}/book',
        'path_params': ('listing_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Read Book',
    },
    'auction_bids_read_result': {
        'method': 'GET',
        'path': '/api/v1/listings/{listing_id}/result',
        'path_params': ('listing_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Read Result',
    },
    'award_answer_objection': {
        'method': 'POST',
        'path': '/api/v1/objections/{objection_id}/answer',
        'path_params': ('objection_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'result.answer',
        'summary': 'Answer Objection',
    },
    'award_contract_to_sign': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/contracts/to-sign',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'contract.record',
        'summary': 'Contract To Sign',
    },
    'award_countersign_contract': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/contracts/{section_id}/countersign',
        'path_params': ('tender_id', 'section_id'),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'contract.countersign',
        'summary': 'Countersign Contract',
    },
    'award_draw_up_report': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/report',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'evaluation.manage',
        'summary': 'Draw Up Report',
    },
    'award_issue_award': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/awards',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'award.issue',
        'summary': 'Issue Award',
    },
    'award_object_to_result': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/objections',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'result.object',
        'summary': 'Object To Result',
    },
    'award_publish_result': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/publicity',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'result.publish',
        'summary': 'Publish Result',
    },
    'award_read_publicity': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/publicity',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Read Publicity',
    },
    'award_read_published_report': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/publicity/report',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Read Published Report',
    },
    'award_read_published_report_pdf': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/publicity/report.pdf',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Read Published Report Pdf',
    },
    'award_read_report': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/report',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'report.read',
        'summary': 'Read Report',
    },
    'award_read_report_history': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/report/history',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'report.read',
        'summary': 'Read Report History',
    },
    'award_read_report_pdf': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/report.pdf',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'report.read',
        'summary': 'Read Report Pdf',
    },
    'award_record_contract': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/contracts',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'contract.record',
        'summary': 'Record Contract',
    },
    'award_record_refusal': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/report/refusals',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'evaluation.manage',
        'summary': 'Record Refusal',
    },
    'award_retender': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/retender',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'tender.create',
        'summary': 'Retender',
    },
    'award_sign_report': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/report/signatures',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'evaluation.score',
        'summary': 'Sign Report',
    },
    'bidding_abandon_upload': {
        'method': 'DELETE',
        'path': '/api/v1/uploads/{upload_id}',
        'path_params': ('upload_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'bid.submit',
        'summary': 'Abandon Upload',
    },
    'bidding_add_custodian': {
        'method': 'POST',
        'path': '/api/v1/centres/{centre_id}/custodians',
        'path_params': ('centre_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'custodian.manage',
        'summary': 'Add Custodian',
    },
    'bidding_append_to_upload': {
        'method': 'PATCH',
        'path': '/api/v1/uploads/{upload_id}',
        'path_params': ('upload_id',),
        'query': (),
        'headers': (('Upload-Offset', True, 'int'),),
        'body': 'binary',
        'content_type': 'application/offset+octet-stream',
        'body_required': False,
        'action': 'bid.submit',
        'summary': 'Append To Upload',
    },
    'bidding_bid_commitment': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/bid-commitment',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Bid Commitment',
    },
    'bidding_bid_parameters_of': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/bid-parameters',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Bid Parameters Of',
    },
    'bidding_create_upload': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/uploads',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (('Idempotency-Key', True, 'str'),),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'bid.submit',
        'summary': 'Create Upload',
    },
    'bidding_delete_bond': {
        'method': 'DELETE',
        'path': '/api/v1/tenders/{tender_id}/bonds/{section_id}',
        'path_params': ('tender_id', 'section_id'),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'bond.record',
        'summary': 'Delete Bond',
    },
    'bidding_delete_custodian': {
        'method': 'DELETE',
        'path': '/api/v1/custodians/{custodian_id}',
        'path_params': ('custodian_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'custodian.manage',
        'summary': 'Delete Custodian',
    },
    'bidding_get_upload': {
        'method': 'GET',
        'path': '/api/v1/uploads/{upload_id}',
        'path_params': ('upload_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'bid.submit',
        'summary': 'Get Upload',
    },
    'bidding_head_upload': {
        'method': 'HEAD',
        'path': '/api/v1/uploads/{upload_id}',
        'path_params': ('upload_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'bid.submit',
        'summary': 'Head Upload',
    },
    'bidding_list_bonds': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/bonds',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'bond.read',
        'summary': 'List Bonds',
    },
    'bidding_list_custodians': {
        'method': 'GET',
        'path': '/api/v1/centres/{centre_id}/custodians',
        'path_params': ('centre_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'custodian.manage',
        'summary': 'List Custodians',
    },
    'bidding_my_bids': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/bids/mine',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'bid.submit',
        'summary': 'My Bids',
    },
    'bidding_put_bond': {
        'method': 'PUT',
        'path': '/api/v1/tenders/{tender_id}/bonds/{section_id}',
        'path_params': ('tender_id', 'section_id'),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'bond.record',
        'summary': 'Put Bond',
    },
    'bidding_submit_bid': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/bids',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (('Idempotency-Key', True, 'str'),),
        'body': 'binary',
        'content_type': 'application/octet-stream',
        'body_required': False,
        'action': 'bid.submit',
        'summary': 'Submit Bid',
    },
    'bidding_withdraw': {
        'method': 'DELETE',
        'path': '/api/v1/bids/{bid_id}',
        'path_params': ('bid_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'bid.submit',
        'summary': 'Withdraw',
    },
    'committee_committee_view': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/committee',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Committee View',
    },
    'committee_define': {
        'method': 'PUT',
        'path': '/api/v1/tenders/{tender_id}/committee',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'committee.manage',
        'summary': 'Define',
    },
    'committee_draw': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/committee/draw',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'committee.manage',
        'summary': 'Draw',
    },
    'committee_respond': {
        'method': 'POST',
        'path': '/api/v1/committee-members/{member_id}/response',
        'path_params': ('member_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'committee.manage',
        'summary': 'Respond',
    },
    'committee_reveal': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/committee/reveal',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'committee.manage',
        'summary': 'Reveal',
    },
    'complaints_accept': {
        'method': 'POST',
        'path': '/api/v1/complaints/{complaint_id}/accept',
        'path_params': ('complaint_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'complaint.handle',
        'summary': 'Accept',
    },
    'complaints_answer_challenge': {
        'method': 'POST',
        'path': '/api/v1/challenges/{challenge_id}/answer',
        'path_params': ('challenge_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'challenge.answer',
        'summary': 'Answer Challenge',
    },
    'complaints_decide': {
        'method': 'POST',
        'path': '/api/v1/complaints/{complaint_id}/decision',
        'path_params': ('complaint_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'complaint.handle',
        'summary': 'Decide',
    },
    'complaints_decision_to_sign': {
        'method': 'POST',
        'path': '/api/v1/complaints/{complaint_id}/decision/to-sign',
        'path_params': ('complaint_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'complaint.handle',
        'summary': 'Decision To Sign',
    },
    'complaints_download_evidence': {
        'method': 'GET',
        'path': '/api/v1/complaints/{complaint_id}/evidence/{sha256}',
        'path_params': ('complaint_id', 'sha256'),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'complaint.read',
        'summary': 'Download Evidence',
    },
    'complaints_file_challenge': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/challenges',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'challenge.file',
        'summary': 'File Challenge',
    },
    'complaints_file_complaint': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/complaints',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'complaint.file',
        'summary': 'File Complaint',
    },
    'complaints_open_complaints': {
        'method': 'GET',
        'path': '/api/v1/complaints',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'complaint.handle',
        'summary': 'Open Complaints',
    },
    'complaints_read_challenge': {
        'method': 'GET',
        'path': '/api/v1/challenges/{challenge_id}',
        'path_params': ('challenge_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'complaint.read',
        'summary': 'Read Challenge',
    },
    'complaints_read_complaint': {
        'method': 'GET',
        'path': '/api/v1/complaints/{complaint_id}',
        'path_params': ('complaint_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'complaint.read',
        'summary': 'Read Complaint',
    },
    'complaints_refuse': {
        'method': 'POST',
        'path': '/api/v1/complaints/{complaint_id}/refuse',
        'path_params': ('complaint_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'complaint.handle',
        'summary': 'Refuse',
    },
    'complaints_resume': {
        'method': 'POST',
        'path': '/api/v1/complaints/{complaint_id}/resume',
        'path_params': ('complaint_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'complaint.handle',
        'summary': 'Resume',
    },
    'complaints_suspend': {
        'method': 'POST',
        'path': '/api/v1/complaints/{complaint_id}/suspend',
        'path_params': ('complaint_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'complaint.handle',
        'summary': 'Suspend',
    },
    'complaints_tender_complaints': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/complaints',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'complaint.read',
        'summary': 'Tender Complaints',
    },
    'complaints_tender_decisions': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/complaint-decisions',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Tender Decisions',
    },
    'complaints_upload_evidence': {
        'method': 'POST',
        'path': '/api/v1/complaint-evidence',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'multipart',
        'content_type': 'multipart/form-data',
        'body_required': True,
        'action': 'complaint.file',
        'summary': 'Upload Evidence',
    },
    'complaints_withdraw': {
        'method': 'POST',
        'path': '/api/v1/complaints/{complaint_id}/withdraw',
        'path_params': ('complaint_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'complaint.withdraw',
        'summary': 'Withdraw',
    },
    'credit_correct': {
        'method': 'POST',
        'path': '/api/v1/credit/records/{record_id}/corrections',
        'path_params': ('record_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'credit.manage',
        'summary': 'Correct',
    },
    'credit_create': {
        'method': 'POST',
        'path': '/api/v1/credit/records',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'credit.manage',
        'summary': 'Create',
    },
    'credit_expert_behaviour': {
        'method': 'POST',
        'path': '/api/v1/credit/experts/{expert_id}/behaviour',
        'path_params': ('expert_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'credit.manage',
        'summary': 'Expert Behaviour',
    },
    'credit_from_case': {
        'method': 'POST',
        'path': '/api/v1/credit/cases/{case_id}/records',
        'path_params': ('case_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'credit.manage',
        'summary': 'From Case',
    },
    'credit_get_record': {
        'method': 'GET',
        'path': '/api/v1/credit/centre/records/{record_id}',
        'path_params': ('record_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'credit.read',
        'summary': 'Get Record',
    },
    'credit_list_centre': {
        'method': 'GET',
        'path': '/api/v1/credit/centre/records',
        'path_params': (),
        'query': (('subject_id', False, 'str | None'), ('kind', False, 'str | None'), ('status', False, 'str | None'), ('page', False, 'int')),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'credit.read',
        'summary': 'List Centre',
    },
    'credit_list_public': {
        'method': 'GET',
        'path': '/api/v1/credit/records',
        'path_params': (),
        'query': (('kind', False, 'str | None'), ('q', False, 'str | None'), ('page', False, 'int')),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'List Public',
    },
    'credit_organisation': {
        'method': 'GET',
        'path': '/api/v1/credit/organisations/{key}',
        'path_params': ('key',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Organisation',
    },
    'credit_publish': {
        'method': 'POST',
        'path': '/api/v1/credit/records/{record_id}/publish',
        'path_params': ('record_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'credit.manage',
        'summary': 'Publish',
    },
    'credit_revoke': {
        'method': 'POST',
        'path': '/api/v1/credit/records/{record_id}/revoke',
        'path_params': ('record_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'credit.manage',
        'summary': 'Revoke',
    },
    'evaluation_advice': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/evaluation/advice',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'evaluation.read',
        'summary': 'Advice',
    },
    'evaluation_assistant_grants': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/evaluation/assistants',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'evaluation.read',
        'summary': 'Assistant Grants',
    },
    'evaluation_complete': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/evaluation/complete',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'evaluation.manage',
        'summary': 'Complete',
    },
    'evaluation_decide_explanation': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/evaluation/explanations/{bid_id}/decision',
        'path_params': ('tender_id', 'bid_id'),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'evaluation.score',
        'summary': 'Decide Explanation',
    },
    'evaluation_grant_assistant': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/evaluation/assistants',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'evaluation.assist_grant',
        'summary': 'Grant Assistant',
    },
    'evaluation_justify': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/evaluation/justifications',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'evaluation.score',
        'summary': 'Justify',
    },
    'evaluation_opened_bids_for_assistant': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/evaluation/opened-bids',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'evaluation.assist_read',
        'summary': 'Opened Bids For Assistant',
    },
    'evaluation_pause': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/evaluation/pause',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'evaluation.manage',
        'summary': 'Pause',
    },
    'evaluation_put_review': {
        'method': 'PUT',
        'path': '/api/v1/tenders/{tender_id}/evaluation/review',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'evaluation.score',
        'summary': 'Put Review',
    },
    'evaluation_put_scores': {
        'method': 'PUT',
        'path': '/api/v1/tenders/{tender_id}/evaluation/scores',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'evaluation.score',
        'summary': 'Put Scores',
    },
    'evaluation_request_explanation': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/evaluation/explanations/{bid_id}/request',
        'path_params': ('tender_id', 'bid_id'),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'evaluation.score',
        'summary': 'Request Explanation',
    },
    'evaluation_result': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/evaluation/result',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Result',
    },
    'evaluation_resume': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/evaluation/resume',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'evaluation.manage',
        'summary': 'Resume',
    },
    'evaluation_revoke_assistant': {
        'method': 'DELETE',
        'path': '/api/v1/tenders/{tender_id}/evaluation/assistants/{client_id}',
        'path_params': ('tender_id', 'client_id'),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'evaluation.assist_grant',
        'summary': 'Revoke Assistant',
    },
    'evaluation_room': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/evaluation',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'evaluation.read',
        'summary': 'Room',
    },
    'evaluation_start': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/evaluation',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'evaluation.manage',
        'summary': 'Start',
    },
    'experts_blacklist_expert': {
        'method': 'POST',
        'path': '/api/v1/experts/{expert_id}/blacklist',
        'path_params': ('expert_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'expert.manage',
        'summary': 'Blacklist Expert',
    },
    'experts_declare_interest': {
        'method': 'POST',
        'path': '/api/v1/experts/{expert_id}/interests',
        'path_params': ('expert_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'expert.manage',
        'summary': 'Declare Interest',
    },
    'experts_get_expert': {
        'method': 'GET',
        'path': '/api/v1/experts/{expert_id}',
        'path_params': ('expert_id',),
        'query': (('on', False, 'str | None'),),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'expert.read_identity',
        'summary': 'Get Expert',
    },
    'experts_import_experts': {
        'method': 'POST',
        'path': '/api/v1/experts/import',
        'path_params': (),
        'query': (('centre', False, 'str | None'),),
        'headers': (),
        'body': 'multipart',
        'content_type': 'multipart/form-data',
        'body_required': True,
        'action': 'expert.manage',
        'summary': 'Import Experts',
    },
    'experts_lift_blacklist': {
        'method': 'POST',
        'path': '/api/v1/experts/{expert_id}/blacklist/{entry_id}/lift',
        'path_params': ('expert_id', 'entry_id'),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'expert.manage',
        'summary': 'Lift Blacklist',
    },
    'experts_list_experts': {
        'method': 'GET',
        'path': '/api/v1/experts',
        'path_params': (),
        'query': (('centre_id', False, 'str | None'), ('specialty', False, 'str | None'), ('text', False, 'str | None'), ('title', False, 'str | None'), ('employer_uscc', False, 'str | None'), ('blacklisted', False, 'bool | None'), ('available', False, 'bool | None'), ('on', False, 'str | None'), ('limit', False, 'int'), ('offset', False, 'int')),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'expert.read_identity',
        'summary': 'List Experts',
    },
    'experts_register_expert': {
        'method': 'POST',
        'path': '/api/v1/experts',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'expert.manage',
        'summary': 'Register Expert',
    },
    'experts_remove_unavailability': {
        'method': 'DELETE',
        'path': '/api/v1/experts/{expert_id}/unavailability/{range_id}',
        'path_params': ('expert_id', 'range_id'),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'expert.manage',
        'summary': 'Remove Unavailability',
    },
    'experts_set_unavailable': {
        'method': 'POST',
        'path': '/api/v1/experts/{expert_id}/unavailability',
        'path_params': ('expert_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'expert.manage',
        'summary': 'Set Unavailable',
    },
    'experts_specialty_list': {
        'method': 'GET',
        'path': '/api/v1/expert-specialties',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Specialty List',
    },
    'experts_update_expert': {
        'method': 'PUT',
        'path': '/api/v1/experts/{expert_id}',
        'path_params': ('expert_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'expert.manage',
        'summary': 'Update Expert',
    },
    'experts_withdraw_interest': {
        'method': 'DELETE',
        'path': '/api/v1/experts/{expert_id}/interests/{interest_id}',
        'path_params': ('expert_id', 'interest_id'),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'expert.manage',
        'summary': 'Withdraw Interest',
    },
    'federation_search_records': {
        'method': 'GET',
        'path': '/api/v1/ocds/search',
        'path_params': (),
        'query': (('q', False, 'str | None'), ('source', False, 'str | None'), ('type', False, 'str | None'), ('from', False, 'str | None'), ('to', False, 'str | None'), ('cursor', False, 'str | None'), ('limit', False, 'int')),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Search Records',
    },
    'federation_sources': {
        'method': 'GET',
        'path': '/api/v1/ocds/sources',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Sources',
    },
    'feed_feed': {
        'method': 'GET',
        'path': '/api/v1/feed',
        'path_params': (),
        'query': (('cursor', False, 'str | None'), ('limit', False, 'int')),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Feed',
    },
    'guarantees_get_guarantee': {
        'method': 'GET',
        'path': '/api/v1/guarantees/{guarantee_id}',
        'path_params': ('guarantee_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'guarantee.read',
        'summary': 'Get Guarantee',
    },
    'guarantees_list_guarantee_requests': {
        'method': 'GET',
        'path': '/api/v1/guarantees/requests',
        'path_params': (),
        'query': (('status', False, 'str'),),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'guarantee.issue',
        'summary': 'List Guarantee Requests',
    },
    'guarantees_list_tender_guarantees': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/guarantees',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'guarantee.read',
        'summary': 'List Tender Guarantees',
    },
    'guarantees_post_guarantee_claim': {
        'method': 'POST',
        'path': '/api/v1/guarantees/{guarantee_id}/claim',
        'path_params': ('guarantee_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'guarantee.claim',
        'summary': 'Post Guarantee Claim',
    },
    'guarantees_post_guarantee_document': {
        'method': 'POST',
        'path': '/api/v1/guarantees/{guarantee_id}/document',
        'path_params': ('guarantee_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'guarantee.issue',
        'summary': 'Post Guarantee Document',
    },
    'guarantees_post_guarantee_request': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/guarantees',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'guarantee.request',
        'summary': 'Post Guarantee Request',
    },
    'identity_create_centre': {
        'method': 'POST',
        'path': '/api/v1/centres',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'centre.manage',
        'summary': 'Create Centre',
    },
    'identity_create_user': {
        'method': 'POST',
        'path': '/api/v1/users',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'user.manage',
        'summary': 'Create User',
    },
    'identity_get_organisation': {
        'method': 'GET',
        'path': '/api/v1/organisations/{org_id}',
        'path_params': ('org_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Get Organisation',
    },
    'identity_list_centres': {
        'method': 'GET',
        'path': '/api/v1/centres',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'List Centres',
    },
    'identity_me': {
        'method': 'GET',
        'path': '/api/v1/me',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'session.read',
        'summary': 'Me',
    },
    'identity_my_notifications': {
        'method': 'GET',
        'path': '/api/v1/me/notifications',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'session.read',
        'summary': 'My Notifications',
    },
    'identity_register_organisation': {
        'method': 'POST',
        'path': '/api/v1/organisations',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'org.register',
        'summary': 'Register Organisation',
    },
    'identity_set_my_mobile': {
        'method': 'PUT',
        'path': '/api/v1/me/mobile',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'account.edit',
        'summary': 'Set My Mobile',
    },
    'identity_sign_in': {
        'method': 'POST',
        'path': '/api/v1/session',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'session.login',
        'summary': 'Sign In',
    },
    'identity_sign_out': {
        'method': 'DELETE',
        'path': '/api/v1/session',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'session.logout',
        'summary': 'Sign Out',
    },
    'identity_unlock_user': {
        'method': 'POST',
        'path': '/api/v1/users/{username}/unlock',
        'path_params': ('username',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'account.unlock',
        'summary': 'Unlock User',
    },
    'integrations_calls': {
        'method': 'GET',
        'path': '/api/v1/integrations/{client_id}/calls',
        'path_params': ('client_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'integration.manage',
        'summary': 'Calls',
    },
    'integrations_consent_to_sign': {
        'method': 'POST',
        'path': '/api/v1/consents/to-sign',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'consent.grant',
        'summary': 'Consent To Sign',
    },
    'integrations_grant': {
        'method': 'POST',
        'path': '/api/v1/consents',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'consent.grant',
        'summary': 'Grant',
    },
    'integrations_list_clients': {
        'method': 'GET',
        'path': '/api/v1/integrations',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'integration.manage',
        'summary': 'List Clients',
    },
    'integrations_my_consents': {
        'method': 'GET',
        'path': '/api/v1/consents',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'consent.grant',
        'summary': 'My Consents',
    },
    'integrations_register': {
        'method': 'POST',
        'path': '/api/v1/integrations',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'integration.manage',
        'summary': 'Register',
    },
    'integrations_revoke_client': {
        'method': 'DELETE',
        'path': '/api/v1/integrations/{client_id}',
        'path_params': ('client_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'integration.manage',
        'summary': 'Revoke Client',
    },
    'integrations_revoke_consent': {
        'method': 'DELETE',
        'path': '/api/v1/consents/{consent_id}',
        'path_params': ('consent_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'consent.grant',
        'summary': 'Revoke Consent',
    },
    'integrations_revoke_secret': {
        'method': 'DELETE',
        'path': '/api/v1/integrations/{client_id}/secrets/{secret_id}',
        'path_params': ('client_id', 'secret_id'),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'integration.manage',
        'summary': 'Revoke Secret',
    },
    'integrations_rotate': {
        'method': 'POST',
        'path': '/api/v1/integrations/{client_id}/secrets',
        'path_params': ('client_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'integration.manage',
        'summary': 'Rotate',
    },
    'integrations_scope_table': {
        'method': 'GET',
        'path': '/api/v1/oauth/scopes',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Scope Table',
    },
    'integrations_token': {
        'method': 'POST',
        'path': '/api/v1/oauth/token',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'session.login',
        'summary': 'Token',
    },
    'listings_announce': {
        'method': 'POST',
        'path': '/api/v1/listings/{listing_id}/announce',
        'path_params': ('listing_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'listing.manage',
        'summary': 'Announce',
    },
    'listings_apply': {
        'method': 'POST',
        'path': '/api/v1/listings/{listing_id}/registrations',
        'path_params': ('listing_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'listing.register',
        'summary': 'Apply',
    },
    'listings_cancel': {
        'method': 'POST',
        'path': '/api/v1/listings/{listing_id}/cancel',
        'path_params': ('listing_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'listing.manage',
        'summary': 'Cancel',
    },
    'listings_confirm_deposit': {
        'method': 'POST',
        'path': '/api/v1/listings/{listing_id}/registrations/{registration_id}/deposit',
        'path_params': ('listing_id', 'registration_id'),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'listing.review',
        'summary': 'Confirm Deposit',
    },
    'listings_create': {
        'method': 'POST',
        'path': '/api/v1/listings',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'listing.manage',
        'summary': 'Create',
    },
    'listings_declare_continuing': {
        'method': 'POST',
        'path': '/api/v1/listings/{listing_id}/continuing',
        'path_params': ('listing_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'listing.register',
        'summary': 'Declare Continuing',
    },
    'listings_download_document': {
        'method': 'GET',
        'path': '/api/v1/listings/{listing_id}/documents/{document_id}',
        'path_params': ('listing_id', 'document_id'),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Download Document',
    },
    'listings_edit': {
        'method': 'PATCH',
        'path': '/api/v1/listings/{listing_id}',
        'path_params': ('listing_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'listing.manage',
        'summary': 'Edit',
    },
    'listings_get_listing': {
        'method': 'GET',
        'path': '/api/v1/listings/{listing_id}',
        'path_params': ('listing_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Get Listing',
    },
    'listings_import_deposits': {
        'method': 'POST',
        'path': '/api/v1/deposits/import',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'multipart',
        'content_type': 'multipart/form-data',
        'body_required': True,
        'action': 'listing.review',
        'summary': 'Import Deposits',
    },
    'listings_list_listings': {
        'method': 'GET',
        'path': '/api/v1/listings',
        'path_params': (),
        'query': (('status', False, 'str | None'), ('kind', False, 'str | None'), ('limit', False, 'int'), ('offset', False, 'int')),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'List Listings',
    },
    'listings_list_registrations': {
        'method': 'GET',
        'path': '/api/v1/listings/{listing_id}/registrations',
        'path_params': ('listing_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'listing.read_bidders',
        'summary': 'List Registrations',
    },
    'listings_review': {
        'method': 'POST',
        'path': '/api/v1/listings/{listing_id}/registrations/{registration_id}/review',
        'path_params': ('listing_id', 'registration_id'),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'listing.review',
        'summary': 'Review',
    },
    'listings_upload_document': {
        'method': 'POST',
        'path': '/api/v1/listings/{listing_id}/documents',
        'path_params': ('listing_id',),
        'query': (),
        'headers': (),
        'body': 'multipart',
        'content_type': 'multipart/form-data',
        'body_required': True,
        'action': 'listing.manage',
        'summary': 'Upload Document',
    },
    'ocds_get_record': {
        'method': 'GET',
        'path': '/api/v1/ocds/records/{ocid}',
        'path_params': ('ocid',),
        'query': (('source', False, 'str | None'),),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Get Record',
    },
    'ocds_get_release': {
        'method': 'GET',
        'path': '/api/v1/ocds/releases/{release_id}',
        'path_params': ('release_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Get Release',
    },
    'ocds_list_releases': {
        'method': 'GET',
        'path': '/api/v1/ocds/releases',
        'path_params': (),
        'query': (('cursor', False, 'str | None'), ('limit', False, 'int'), ('source', False, 'str | None')),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'List Releases',
    },
    'opening_escrow_certificate': {
        'method': 'GET',
        'path': '/api/v1/opening/escrow-certificate',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Escrow Certificate',
    },
    'opening_opened_document': {
        'method': 'GET',
        'path': '/api/v1/bids/{bid_id}/documents/{name}',
        'path_params': ('bid_id', 'name'),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'bid.read_opened',
        'summary': 'Opened Document',
    },
    'opening_opening_answer': {
        'method': 'POST',
        'path': '/api/v1/opening-statements/{statement_id}/answer',
        'path_params': ('statement_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'opening.host',
        'summary': 'Opening Answer',
    },
    'opening_opening_check_in': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/opening/check-in',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'opening.attend',
        'summary': 'Opening Check In',
    },
    'opening_opening_my_share': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/opening/my-share',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'opening.release_share',
        'summary': 'Opening My Share',
    },
    'opening_opening_open': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/opening/open',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'opening.host',
        'summary': 'Opening Open',
    },
    'opening_opening_publish': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/opening/record',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'opening.host',
        'summary': 'Opening Publish',
    },
    'opening_opening_record': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/opening-record',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Opening Record',
    },
    'opening_opening_release_content_key': {
        'method': 'POST',
        'path': '/api/v1/bids/{bid_id}/content-key',
        'path_params': ('bid_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'opening.attend',
        'summary': 'Opening Release Content Key',
    },
    'opening_opening_release_share': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/opening/shares/{share_index}',
        'path_params': ('tender_id', 'share_index'),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'opening.release_share',
        'summary': 'Opening Release Share',
    },
    'opening_opening_state': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/opening',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Opening State',
    },
    'opening_opening_statement': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/opening/statements',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'opening.attend',
        'summary': 'Opening Statement',
    },
    'pki_add_ca': {
        'method': 'POST',
        'path': '/api/v1/cas',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'ca.manage',
        'summary': 'Add Ca',
    },
    'pki_bind_certificate': {
        'method': 'POST',
        'path': '/api/v1/me/certificates',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'cert.bind',
        'summary': 'Bind Certificate',
    },
    'pki_certificate_sign_in': {
        'method': 'POST',
        'path': '/api/v1/session/certificate',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'session.login',
        'summary': 'Certificate Sign In',
    },
    'pki_change_ca_status': {
        'method': 'POST',
        'path': '/api/v1/cas/{ca_id}/status',
        'path_params': ('ca_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'ca.manage',
        'summary': 'Change Ca Status',
    },
    'pki_get_ca': {
        'method': 'GET',
        'path': '/api/v1/cas/{ca_id}',
        'path_params': ('ca_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Get Ca',
    },
    'pki_list_cas': {
        'method': 'GET',
        'path': '/api/v1/cas',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'List Cas',
    },
    'pki_my_certificates': {
        'method': 'GET',
        'path': '/api/v1/me/certificates',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'cert.bind',
        'summary': 'My Certificates',
    },
    'pki_new_challenge': {
        'method': 'POST',
        'path': '/api/v1/certificate-challenges',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'session.login',
        'summary': 'New Challenge',
    },
    'pki_timestamp': {
        'method': 'POST',
        'path': '/api/v1/timestamp',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'binary',
        'content_type': 'application/timestamp-query',
        'body_required': False,
        'action': 'timestamp.issue',
        'summary': 'Timestamp',
    },
    'pki_timestamp_certificates': {
        'method': 'GET',
        'path': '/api/v1/timestamp/certificates',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Timestamp Certificates',
    },
    'pki_unbind_certificate': {
        'method': 'DELETE',
        'path': '/api/v1/me/certificates/{binding_id}',
        'path_params': ('binding_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'cert.bind',
        'summary': 'Unbind Certificate',
    },
    'pki_verify_certificate': {
        'method': 'POST',
        'path': '/api/v1/certificates/verify',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'signature.verify',
        'summary': 'Verify Certificate',
    },
    'pki_verify_signature': {
        'method': 'POST',
        'path': '/api/v1/signatures/verify',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'multipart',
        'content_type': 'multipart/form-data',
        'body_required': True,
        'action': 'signature.verify',
        'summary': 'Verify Signature',
    },
    'quality_centre': {
        'method': 'GET',
        'path': '/api/v1/quality/centres/{code}',
        'path_params': ('code',),
        'query': (('period', False, 'str | None'), ('type', False, 'str | None')),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'quality.read',
        'summary': 'Centre',
    },
    'quality_findings': {
        'method': 'GET',
        'path': '/api/v1/quality/centres/{code}/findings',
        'path_params': ('code',),
        'query': (('dimension', False, 'str | None'), ('period', False, 'str | None'), ('type', False, 'str | None'), ('page', False, 'int')),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'quality.read',
        'summary': 'Findings',
    },
    'quality_ranking': {
        'method': 'GET',
        'path': '/api/v1/quality/ranking',
        'path_params': (),
        'query': (('period', False, 'str | None'), ('type', False, 'str | None')),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'quality.read',
        'summary': 'Ranking',
    },
    'supervision_acknowledge': {
        'method': 'POST',
        'path': '/api/v1/supervision/alerts/{alert_id}/acknowledge',
        'path_params': ('alert_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': False,
        'action': 'alert.acknowledge',
        'summary': 'Acknowledge',
    },
    'supervision_add_note': {
        'method': 'POST',
        'path': '/api/v1/supervision/cases/{case_id}/notes',
        'path_params': ('case_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'case.manage',
        'summary': 'Add Note',
    },
    'supervision_alerts': {
        'method': 'GET',
        'path': '/api/v1/supervision/alerts',
        'path_params': (),
        'query': (('level', False, 'int | None'), ('open', False, 'bool'), ('page', False, 'int')),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'flags.read',
        'summary': 'Alerts',
    },
    'supervision_create_case': {
        'method': 'POST',
        'path': '/api/v1/supervision/cases',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'case.manage',
        'summary': 'Create Case',
    },
    'supervision_download_evidence': {
        'method': 'GET',
        'path': '/api/v1/supervision/cases/{case_id}/evidence/{evidence_id}',
        'path_params': ('case_id', 'evidence_id'),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'case.read',
        'summary': 'Download Evidence',
    },
    'supervision_flags': {
        'method': 'GET',
        'path': '/api/v1/supervision/flags',
        'path_params': (),
        'query': (('rule', False, 'str | None'), ('group', False, 'str | None'), ('subject_id', False, 'str | None'), ('tender_id', False, 'str | None'), ('severity', False, 'str | None'), ('state', False, 'str'), ('page', False, 'int')),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'flags.read',
        'summary': 'Flags',
    },
    'supervision_get_case': {
        'method': 'GET',
        'path': '/api/v1/supervision/cases/{case_id}',
        'path_params': ('case_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'case.read',
        'summary': 'Get Case',
    },
    'supervision_link_hits': {
        'method': 'POST',
        'path': '/api/v1/supervision/cases/{case_id}/hits',
        'path_params': ('case_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'case.manage',
        'summary': 'Link Hits',
    },
    'supervision_list_cases': {
        'method': 'GET',
        'path': '/api/v1/supervision/cases',
        'path_params': (),
        'query': (('status', False, 'str | None'), ('page', False, 'int')),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'case.read',
        'summary': 'List Cases',
    },
    'supervision_risk': {
        'method': 'GET',
        'path': '/api/v1/supervision/risk',
        'path_params': (),
        'query': (('kind', False, 'str'), ('page', False, 'int')),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'flags.read',
        'summary': 'Risk',
    },
    'supervision_transition': {
        'method': 'POST',
        'path': '/api/v1/supervision/cases/{case_id}/transitions',
        'path_params': ('case_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'case.manage',
        'summary': 'Transition',
    },
    'supervision_upload_evidence': {
        'method': 'POST',
        'path': '/api/v1/supervision/cases/{case_id}/evidence',
        'path_params': ('case_id',),
        'query': (),
        'headers': (),
        'body': 'multipart',
        'content_type': 'multipart/form-data',
        'body_required': True,
        'action': 'case.manage',
        'summary': 'Upload Evidence',
    },
    'system_audit_of': {
        'method': 'GET',
        'path': '/api/v1/audit/{object_type}/{object_id}',
        'path_params': ('object_type', 'object_id'),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'audit.read',
        'summary': 'Audit Of',
    },
    'system_audit_verify': {
        'method': 'GET',
        'path': '/api/v1/audit/verify',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'audit.read',
        'summary': 'Audit Verify',
    },
    'system_health': {
        'method': 'GET',
        'path': '/api/v1/health',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Health',
    },
    'system_rule_packs': {
        'method': 'GET',
        'path': '/api/v1/rule-packs',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Rule Packs',
    },
    'tenders_answer': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/enquiries/{enquiry_id}/answer',
        'path_params': ('tender_id', 'enquiry_id'),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'enquiry.answer',
        'summary': 'Answer',
    },
    'tenders_ask': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/enquiries',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'enquiry.ask',
        'summary': 'Ask',
    },
    'tenders_cancel_tender': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/cancel',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'tender.cancel',
        'summary': 'Cancel Tender',
    },
    'tenders_create_tender': {
        'method': 'POST',
        'path': '/api/v1/tenders',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'tender.create',
        'summary': 'Create Tender',
    },
    'tenders_download_document': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/documents/{document_id}',
        'path_params': ('tender_id', 'document_id'),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Download Document',
    },
    'tenders_edit_tender': {
        'method': 'PATCH',
        'path': '/api/v1/tenders/{tender_id}',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'tender.edit',
        'summary': 'Edit Tender',
    },
    'tenders_get_tender': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Get Tender',
    },
    'tenders_issue_amendment': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/amendments',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': 'multipart',
        'content_type': 'multipart/form-data',
        'body_required': True,
        'action': 'tender.amend',
        'summary': 'Issue Amendment',
    },
    'tenders_list_tenders': {
        'method': 'GET',
        'path': '/api/v1/tenders',
        'path_params': (),
        'query': (('transaction_type', False, 'str | None'), ('region', False, 'str | None'), ('status', False, 'str | None'), ('published_from', False, 'str | None'), ('published_to', False, 'str | None'), ('q', False, 'str | None'), ('sandbox', False, 'bool'), ('limit', False, 'int'), ('cursor', False, 'str | None')),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'List Tenders',
    },
    'tenders_obtain_documents': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/obtain',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'document.obtain',
        'summary': 'Obtain Documents',
    },
    'tenders_publish_tender': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/publish',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'tender.publish',
        'summary': 'Publish Tender',
    },
    'tenders_register_project': {
        'method': 'POST',
        'path': '/api/v1/projects',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'project.create',
        'summary': 'Register Project',
    },
    'tenders_upload_document': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/documents',
        'path_params': ('tender_id',),
        'query': (('kind', False, 'str'),),
        'headers': (),
        'body': 'multipart',
        'content_type': 'multipart/form-data',
        'body_required': True,
        'action': 'document.upload',
        'summary': 'Upload Document',
    },
    'upstream_push_records': {
        'method': 'POST',
        'path': '/api/v1/upstream/records',
        'path_params': (),
        'query': (),
        'headers': (('X-Prex-Signature', True, 'str'),),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'upstream.push',
        'summary': 'Push Records',
    },
    'venues_book_seats': {
        'method': 'POST',
        'path': '/api/v1/tenders/{tender_id}/seat-bookings',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'seat.book',
        'summary': 'Book Seats',
    },
    'venues_list_bookings': {
        'method': 'GET',
        'path': '/api/v1/tenders/{tender_id}/seat-bookings',
        'path_params': ('tender_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'venue.read',
        'summary': 'List Bookings',
    },
    'venues_list_rooms': {
        'method': 'GET',
        'path': '/api/v1/centres/{centre_id}/evaluation-rooms',
        'path_params': ('centre_id',),
        'query': (('inactive', False, 'bool'),),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'venue.read',
        'summary': 'List Rooms',
    },
    'venues_register_room': {
        'method': 'POST',
        'path': '/api/v1/centres/{centre_id}/evaluation-rooms',
        'path_params': ('centre_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'venue.manage',
        'summary': 'Register Room',
    },
    'venues_release_booking': {
        'method': 'POST',
        'path': '/api/v1/seat-bookings/{booking_id}/release',
        'path_params': ('booking_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'seat.book',
        'summary': 'Release Booking',
    },
    'venues_update_room': {
        'method': 'PATCH',
        'path': '/api/v1/evaluation-rooms/{room_id}',
        'path_params': ('room_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'venue.manage',
        'summary': 'Update Room',
    },
    'webhooks_certificates': {
        'method': 'GET',
        'path': '/api/v1/webhooks/certificates',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Certificates',
    },
    'webhooks_change_subscription': {
        'method': 'PATCH',
        'path': '/api/v1/webhooks/subscriptions/{subscription_id}',
        'path_params': ('subscription_id',),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'webhook.manage',
        'summary': 'Change Subscription',
    },
    'webhooks_deliveries': {
        'method': 'GET',
        'path': '/api/v1/webhooks/subscriptions/{subscription_id}/deliveries',
        'path_params': ('subscription_id',),
        'query': (('status', False, 'str | None'), ('after', False, 'int'), ('limit', False, 'int')),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'webhook.read',
        'summary': 'Deliveries',
    },
    'webhooks_event_types': {
        'method': 'GET',
        'path': '/api/v1/webhooks/events',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'public.read',
        'summary': 'Event Types',
    },
    'webhooks_list_subscriptions': {
        'method': 'GET',
        'path': '/api/v1/webhooks/subscriptions',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'webhook.read',
        'summary': 'List Subscriptions',
    },
    'webhooks_read_subscription': {
        'method': 'GET',
        'path': '/api/v1/webhooks/subscriptions/{subscription_id}',
        'path_params': ('subscription_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'webhook.read',
        'summary': 'Read Subscription',
    },
    'webhooks_redeliver': {
        'method': 'POST',
        'path': '/api/v1/webhooks/deliveries/{delivery_id}/redeliver',
        'path_params': ('delivery_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'webhook.manage',
        'summary': 'Redeliver',
    },
    'webhooks_subscribe': {
        'method': 'POST',
        'path': '/api/v1/webhooks/subscriptions',
        'path_params': (),
        'query': (),
        'headers': (),
        'body': 'json',
        'content_type': 'application/json',
        'body_required': True,
        'action': 'webhook.manage',
        'summary': 'Subscribe',
    },
    'webhooks_unsubscribe': {
        'method': 'DELETE',
        'path': '/api/v1/webhooks/subscriptions/{subscription_id}',
        'path_params': ('subscription_id',),
        'query': (),
        'headers': (),
        'body': None,
        'content_type': None,
        'body_required': False,
        'action': 'webhook.manage',
        'summary': 'Unsubscribe',
    },
}


class Operations(OperationsBase):
    """One method per operation (named by its operationId); each returns the decoded
    answer and raises ``ProblemError`` for a problem document."""

    def analytics_get_dashboard(
        self,
        *,
        name: str,
        centre: str | None = None,
        region: str | None = None,
        type: str | None = None,
        from_: str | None = None,
        to: str | None = None,
        sandbox: str | None = None,
        format: str | None = None,
    ) -> Any:
        """Get Dashboard: ``GET /api/v1/analytics/dashboards/{name}``, action analytics.read."""
        return self._call(
            'analytics_get_dashboard',
            path={'name': name},
            query={'centre': centre, 'region': region, 'type': type, 'from': from_, 'to': to, 'sandbox': sandbox, 'format': format},
            headers={},
        )

    def archives_build_archive(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Build Archive: ``POST /api/v1/tenders/{tender_id}/archives``, action archive.build."""
        return self._call(
            'archives_build_archive',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def archives_download_archive(
        self,
        *,
        archive_id: str,
    ) -> Any:
        """Download Archive: ``GET /api/v1/archives/{archive_id}/file``, action archive.read."""
        return self._call(
            'archives_download_archive',
            path={'archive_id': archive_id},
            query={},
            headers={},
        )

    def archives_get_archive(
        self,
        *,
        archive_id: str,
    ) -> Any:
        """Get Archive: ``GET /api/v1/archives/{archive_id}``, action archive.read."""
        return self._call(
            'archives_get_archive',
            path={'archive_id': archive_id},
            query={},
            headers={},
        )

    def archives_list_archives(
        self,
        *,
        tender_id: str | None = None,
    ) -> Any:
        """List Archives: ``GET /api/v1/archives``, action archive.read."""
        return self._call(
            'archives_list_archives',
            path={},
            query={'tender_id': tender_id},
            headers={},
        )

    def auction_bids_place_bid(
        self,
        *,
        listing_id: str,
        json: Any,
    ) -> Any:
        """Place Bid: ``POST /api/v1/listings/{listing_id}/bids``, action listing.bid."""
        return self._call(
            'auction_bids_place_bid',
            path={'listing_id': listing_id},
            query={},
            headers={},
            json=json,
        )

    def auction_bids_read_book(
        self,
        *,
        listing_id: str,
    ) -> Any:
        """Read Book: ``GET /api/v1/listings/{listing_id}/book``, action public.read."""
        return self._call(
            'auction_bids_read_book',
            path={'listing_id': listing_id},
            query={},
            headers={},
        )

    def auction_bids_read_result(
        self,
        *,
        listing_id: str,
    ) -> Any:
        """Read Result: ``GET /api/v1/listings/{listing_id}/result``, action public.read."""
        return self._call(
            'auction_bids_read_result',
            path={'listing_id': listing_id},
            query={},
            headers={},
        )

    def award_answer_objection(
        self,
        *,
        objection_id: str,
        json: Any,
    ) -> Any:
        """Answer Objection: ``POST /api/v1/objections/{objection_id}/answer``, action result.answer."""
        return self._call(
            'award_answer_objection',
            path={'objection_id': objection_id},
            query={},
            headers={},
            json=json,
        )

    def award_contract_to_sign(
        self,
        *,
        tender_id: str,
        json: Any,
    ) -> Any:
        """Contract To Sign: ``POST /api/v1/tenders/{tender_id}/contracts/to-sign``, action contract.record."""
        return self._call(
            'award_contract_to_sign',
            path={'tender_id': tender_id},
            query={},
            headers={},
            json=json,
        )

    def award_countersign_contract(
        self,
        *,
        tender_id: str,
        section_id: str,
        json: Any,
    ) -> Any:
        """Countersign Contract: ``POST /api/v1/tenders/{tender_id}/contracts/{section_id}/countersign``, action contract.countersign."""
        return self._call(
            'award_countersign_contract',
            path={'tender_id': tender_id, 'section_id': section_id},
            query={},
            headers={},
            json=json,
        )

    def award_draw_up_report(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Draw Up Report: ``POST /api/v1/tenders/{tender_id}/report``, action evaluation.manage."""
        return self._call(
            'award_draw_up_report',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def award_issue_award(
        self,
        *,
        tender_id: str,
        json: Any,
    ) -> Any:
        """Issue Award: ``POST /api/v1/tenders/{tender_id}/awards``, action award.issue."""
        return self._call(
            'award_issue_award',
            path={'tender_id': tender_id},
            query={},
            headers={},
            json=json,
        )

    def award_object_to_result(
        self,
        *,
        tender_id: str,
        json: Any,
    ) -> Any:
        """Object To Result: ``POST /api/v1/tenders/{tender_id}/objections``, action result.object."""
        return self._call(
            'award_object_to_result',
            path={'tender_id': tender_id},
            query={},
            headers={},
            json=json,
        )

    def award_publish_result(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Publish Result: ``POST /api/v1/tenders/{tender_id}/publicity``, action result.publish."""
        return self._call(
            'award_publish_result',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def award_read_publicity(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Read Publicity: ``GET /api/v1/tenders/{tender_id}/publicity``, action public.read."""
        return self._call(
            'award_read_publicity',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def award_read_published_report(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Read Published Report: ``GET /api/v1/tenders/{tender_id}/publicity/report``, action public.read."""
        return self._call(
            'award_read_published_report',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def award_read_published_report_pdf(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Read Published Report Pdf: ``GET /api/v1/tenders/{tender_id}/publicity/report.pdf``, action public.read."""
        return self._call(
            'award_read_published_report_pdf',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def award_read_report(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Read Report: ``GET /api/v1/tenders/{tender_id}/report``, action report.read."""
        return self._call(
            'award_read_report',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def award_read_report_history(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Read Report History: ``GET /api/v1/tenders/{tender_id}/report/history``, action report.read."""
        return self._call(
            'award_read_report_history',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def award_read_report_pdf(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Read Report Pdf: ``GET /api/v1/tenders/{tender_id}/report.pdf``, action report.read."""
        return self._call(
            'award_read_report_pdf',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def award_record_contract(
        self,
        *,
        tender_id: str,
        json: Any,
    ) -> Any:
        """Record Contract: ``POST /api/v1/tenders/{tender_id}/contracts``, action contract.record."""
        return self._call(
            'award_record_contract',
            path={'tender_id': tender_id},
            query={},
            headers={},
            json=json,
        )

    def award_record_refusal(
        self,
        *,
        tender_id: str,
        json: Any,
    ) -> Any:
        """Record Refusal: ``POST /api/v1/tenders/{tender_id}/report/refusals``, action evaluation.manage."""
        return self._call(
            'award_record_refusal',
            path={'tender_id': tender_id},
            query={},
            headers={},
            json=json,
        )

    def award_retender(
        self,
        *,
        tender_id: str,
        json: Any,
    ) -> Any:
        """Retender: ``POST /api/v1/tenders/{tender_id}/retender``, action tender.create."""
        return self._call(
            'award_retender',
            path={'tender_id': tender_id},
            query={},
            headers={},
            json=json,
        )

    def award_sign_report(
        self,
        *,
        tender_id: str,
        json: Any,
    ) -> Any:
        """Sign Report: ``POST /api/v1/tenders/{tender_id}/report/signatures``, action evaluation.score."""
        return self._call(
            'award_sign_report',
            path={'tender_id': tender_id},
            query={},
            headers={},
            json=json,
        )

    def bidding_abandon_upload(
        self,
        *,
        upload_id: str,
    ) -> Any:
        """Abandon Upload: ``DELETE /api/v1/uploads/{upload_id}``, action bid.submit."""
        return self._call(
            'bidding_abandon_upload',
            path={'upload_id': upload_id},
            query={},
            headers={},
        )

    def bidding_add_custodian(
        self,
        *,
        centre_id: str,
        json: Any,
    ) -> Any:
        """Add Custodian: ``POST /api/v1/centres/{centre_id}/custodians``, action custodian.manage."""
        return self._call(
            'bidding_add_custodian',
            path={'centre_id': centre_id},
            query={},
            headers={},
            json=json,
        )

    def bidding_append_to_upload(
        self,
        *,
        upload_id: str,
        upload_offset: str,
        content: bytes | None = None,
    ) -> Any:
        """Append To Upload: ``PATCH /api/v1/uploads/{upload_id}``, action bid.submit."""
        return self._call(
            'bidding_append_to_upload',
            path={'upload_id': upload_id},
            query={},
            headers={'Upload-Offset': upload_offset},
            content=content,
        )

    def bidding_bid_commitment(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Bid Commitment: ``GET /api/v1/tenders/{tender_id}/bid-commitment``, action public.read."""
        return self._call(
            'bidding_bid_commitment',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def bidding_bid_parameters_of(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Bid Parameters Of: ``GET /api/v1/tenders/{tender_id}/bid-parameters``, action public.read."""
        return self._call(
            'bidding_bid_parameters_of',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def bidding_create_upload(
        self,
        *,
        tender_id: str,
        idempotency_key: str,
        json: Any,
    ) -> Any:
        """Create Upload: ``POST /api/v1/tenders/{tender_id}/uploads``, action bid.submit."""
        return self._call(
            'bidding_create_upload',
            path={'tender_id': tender_id},
            query={},
            headers={'Idempotency-Key': idempotency_key},
            json=json,
        )

    def bidding_delete_bond(
        self,
        *,
        tender_id: str,
        section_id: str,
    ) -> Any:
        """Delete Bond: ``DELETE /api/v1/tenders/{tender_id}/bonds/{section_id}``, action bond.record."""
        return self._call(
            'bidding_delete_bond',
            path={'tender_id': tender_id, 'section_id': section_id},
            query={},
            headers={},
        )

    def bidding_delete_custodian(
        self,
        *,
        custodian_id: str,
    ) -> Any:
        """Delete Custodian: ``DELETE /api/v1/custodians/{custodian_id}``, action custodian.manage."""
        return self._call(
            'bidding_delete_custodian',
            path={'custodian_id': custodian_id},
            query={},
            headers={},
        )

    def bidding_get_upload(
        self,
        *,
        upload_id: str,
    ) -> Any:
        """Get Upload: ``GET /api/v1/uploads/{upload_id}``, action bid.submit."""
        return self._call(
            'bidding_get_upload',
            path={'upload_id': upload_id},
            query={},
            headers={},
        )

    def bidding_head_upload(
        self,
        *,
        upload_id: str,
    ) -> Any:
        """Head Upload: ``HEAD /api/v1/uploads/{upload_id}``, action bid.submit."""
        return self._call(
            'bidding_head_upload',
            path={'upload_id': upload_id},
            query={},
            headers={},
        )

    def bidding_list_bonds(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """List Bonds: ``GET /api/v1/tenders/{tender_id}/bonds``, action bond.read."""
        return self._call(
            'bidding_list_bonds',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def bidding_list_custodians(
        self,
        *,
        centre_id: str,
    ) -> Any:
        """List Custodians: ``GET /api/v1/centres/{centre_id}/custodians``, action custodian.manage."""
        return self._call(
            'bidding_list_custodians',
            path={'centre_id': centre_id},
            query={},
            headers={},
        )

    def bidding_my_bids(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """My Bids: ``GET /api/v1/tenders/{tender_id}/bids/mine``, action bid.submit."""
        return self._call(
            'bidding_my_bids',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def bidding_put_bond(
        self,
        *,
        tender_id: str,
        section_id: str,
        json: Any,
    ) -> Any:
        """Put Bond: ``PUT /api/v1/tenders/{tender_id}/bonds/{section_id}``, action bond.record."""
        return self._call(
            'bidding_put_bond',
            path={'tender_id': tender_id, 'section_id': section_id},
            query={},
            headers={},
            json=json,
        )

    def bidding_submit_bid(
        self,
        *,
        tender_id: str,
        idempotency_key: str,
        content: bytes | None = None,
    ) -> Any:
        """Submit Bid: ``POST /api/v1/tenders/{tender_id}/bids``, action bid.submit."""
        return self._call(
            'bidding_submit_bid',
            path={'tender_id': tender_id},
            query={},
            headers={'Idempotency-Key': idempotency_key},
            content=content,
        )

    def bidding_withdraw(
        self,
        *,
        bid_id: str,
    ) -> Any:
        """Withdraw: ``DELETE /api/v1/bids/{bid_id}``, action bid.submit."""
        return self._call(
            'bidding_withdraw',
            path={'bid_id': bid_id},
            query={},
            headers={},
        )

    def committee_committee_view(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Committee View: ``GET /api/v1/tenders/{tender_id}/committee``, action public.read."""
        return self._call(
            'committee_committee_view',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def committee_define(
        self,
        *,
        tender_id: str,
        json: Any,
    ) -> Any:
        """Define: ``PUT /api/v1/tenders/{tender_id}/committee``, action committee.manage."""
        return self._call(
            'committee_define',
            path={'tender_id': tender_id},
            query={},
            headers={},
            json=json,
        )

    def committee_draw(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Draw: ``POST /api/v1/tenders/{tender_id}/committee/draw``, action committee.manage."""
        return self._call(
            'committee_draw',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def committee_respond(
        self,
        *,
        member_id: str,
        json: Any,
    ) -> Any:
        """Respond: ``POST /api/v1/committee-members/{member_id}/response``, action committee.manage."""
        return self._call(
            'committee_respond',
            path={'member_id': member_id},
            query={},
            headers={},
            json=json,
        )

    def committee_reveal(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Reveal: ``POST /api/v1/tenders/{tender_id}/committee/reveal``, action committee.manage."""
        return self._call(
            'committee_reveal',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def complaints_accept(
        self,
        *,
        complaint_id: str,
    ) -> Any:
        """Accept: ``POST /api/v1/complaints/{complaint_id}/accept``, action complaint.handle."""
        return self._call(
            'complaints_accept',
            path={'complaint_id': complaint_id},
            query={},
            headers={},
        )

    def complaints_answer_challenge(
        self,
        *,
        challenge_id: str,
        json: Any,
    ) -> Any:
        """Answer Challenge: ``POST /api/v1/challenges/{challenge_id}/answer``, action challenge.answer."""
        return self._call(
            'complaints_answer_challenge',
            path={'challenge_id': challenge_id},
            query={},
            headers={},
            json=json,
        )

    def complaints_decide(
        self,
        *,
        complaint_id: str,
        json: Any,
    ) -> Any:
        """Decide: ``POST /api/v1/complaints/{complaint_id}/decision``, action complaint.handle."""
        return self._call(
            'complaints_decide',
            path={'complaint_id': complaint_id},
            query={},
            headers={},
            json=json,
        )

    def complaints_decision_to_sign(
        self,
        *,
        complaint_id: str,
        json: Any,
    ) -> Any:
        """Decision To Sign: ``POST /api/v1/complaints/{complaint_id}/decision/to-sign``, action complaint.handle."""
        return self._call(
            'complaints_decision_to_sign',
            path={'complaint_id': complaint_id},
            query={},
            headers={},
            json=json,
        )

    def complaints_download_evidence(
        self,
        *,
        complaint_id: str,
        sha256: str,
    ) -> Any:
        """Download Evidence: ``GET /api/v1/complaints/{complaint_id}/evidence/{sha256}``, action complaint.read."""
        return self._call(
            'complaints_download_evidence',
            path={'complaint_id': complaint_id, 'sha256': sha256},
            query={},
            headers={},
        )

    def complaints_file_challenge(
        self,
        *,
        tender_id: str,
        json: Any,
    ) -> Any:
        """File Challenge: ``POST /api/v1/tenders/{tender_id}/challenges``, action challenge.file."""
        return self._call(
            'complaints_file_challenge',
            path={'tender_id': tender_id},
            query={},
            headers={},
            json=json,
        )

    def complaints_file_complaint(
        self,
        *,
        tender_id: str,
        json: Any,
    ) -> Any:
        """File Complaint: ``POST /api/v1/tenders/{tender_id}/complaints``, action complaint.file."""
        return self._call(
            'complaints_file_complaint',
            path={'tender_id': tender_id},
            query={},
            headers={},
            json=json,
        )

    def complaints_open_complaints(
        self,
    ) -> Any:
        """Open Complaints: ``GET /api/v1/complaints``, action complaint.handle."""
        return self._call(
            'complaints_open_complaints',
            path={},
            query={},
            headers={},
        )

    def complaints_read_challenge(
        self,
        *,
        challenge_id: str,
    ) -> Any:
        """Read Challenge: ``GET /api/v1/challenges/{challenge_id}``, action complaint.read."""
        return self._call(
            'complaints_read_challenge',
            path={'challenge_id': challenge_id},
            query={},
            headers={},
        )

    def complaints_read_complaint(
        self,
        *,
        complaint_id: str,
    ) -> Any:
        """Read Complaint: ``GET /api/v1/complaints/{complaint_id}``, action complaint.read."""
        return self._call(
            'complaints_read_complaint',
            path={'complaint_id': complaint_id},
            query={},
            headers={},
        )

    def complaints_refuse(
        self,
        *,
        complaint_id: str,
        json: Any,
    ) -> Any:
        """Refuse: ``POST /api/v1/complaints/{complaint_id}/refuse``, action complaint.handle."""
        return self._call(
            'complaints_refuse',
            path={'complaint_id': complaint_id},
            query={},
            headers={},
            json=json,
        )

    def complaints_resume(
        self,
        *,
        complaint_id: str,
        json: Any,
    ) -> Any:
        """Resume: ``POST /api/v1/complaints/{complaint_id}/resume``, action complaint.handle."""
        return self._call(
            'complaints_resume',
            path={'complaint_id': complaint_id},
            query={},
            headers={},
            json=json,
        )

    def complaints_suspend(
        self,
        *,
        complaint_id: str,
        json: Any,
    ) -> Any:
        """Suspend: ``POST /api/v1/complaints/{complaint_id}/suspend``, action complaint.handle."""
        return self._call(
            'complaints_suspend',
            path={'complaint_id': complaint_id},
            query={},
            headers={},
            json=json,
        )

    def complaints_tender_complaints(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Tender Complaints: ``GET /api/v1/tenders/{tender_id}/complaints``, action complaint.read."""
        return self._call(
            'complaints_tender_complaints',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def complaints_tender_decisions(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Tender Decisions: ``GET /api/v1/tenders/{tender_id}/complaint-decisions``, action public.read."""
        return self._call(
            'complaints_tender_decisions',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def complaints_upload_evidence(
        self,
        *,
        files: Mapping[str, Any],
        data: Mapping[str, Any] | None = None,
    ) -> Any:
        """Upload Evidence: ``POST /api/v1/complaint-evidence``, action complaint.file."""
        return self._call(
            'complaints_upload_evidence',
            path={},
            query={},
            headers={},
            files=files,
            data=data,
        )

    def complaints_withdraw(
        self,
        *,
        complaint_id: str,
        json: Any,
    ) -> Any:
        """Withdraw: ``POST /api/v1/complaints/{complaint_id}/withdraw``, action complaint.withdraw."""
        return self._call(
            'complaints_withdraw',
            path={'complaint_id': complaint_id},
            query={},
            headers={},
            json=json,
        )

    def credit_correct(
        self,
        *,
        record_id: str,
        json: Any,
    ) -> Any:
        """Correct: ``POST /api/v1/credit/records/{record_id}/corrections``, action credit.manage."""
        return self._call(
            'credit_correct',
            path={'record_id': record_id},
            query={},
            headers={},
            json=json,
        )

    def credit_create(
        self,
        *,
        json: Any,
    ) -> Any:
        """Create: ``POST /api/v1/credit/records``, action credit.manage."""
        return self._call(
            'credit_create',
            path={},
            query={},
            headers={},
            json=json,
        )

    def credit_expert_behaviour(
        self,
        *,
        expert_id: str,
        json: Any,
    ) -> Any:
        """Expert Behaviour: ``POST /api/v1/credit/experts/{expert_id}/behaviour``, action credit.manage."""
        return self._call(
            'credit_expert_behaviour',
            path={'expert_id': expert_id},
            query={},
            headers={},
            json=json,
        )

    def credit_from_case(
        self,
        *,
        case_id: str,
        json: Any,
    ) -> Any:
        """From Case: ``POST /api/v1/credit/cases/{case_id}/records``, action credit.manage."""
        return self._call(
            'credit_from_case',
            path={'case_id': case_id},
            query={},
            headers={},
            json=json,
        )

    def credit_get_record(
        self,
        *,
        record_id: str,
    ) -> Any:
        """Get Record: ``GET /api/v1/credit/centre/records/{record_id}``, action credit.read."""
        return self._call(
            'credit_get_record',
            path={'record_id': record_id},
            query={},
            headers={},
        )

    def credit_list_centre(
        self,
        *,
        subject_id: str | None = None,
        kind: str | None = None,
        status: str | None = None,
        page: int | None = None,
    ) -> Any:
        """List Centre: ``GET /api/v1/credit/centre/records``, action credit.read."""
        return self._call(
            'credit_list_centre',
            path={},
            query={'subject_id': subject_id, 'kind': kind, 'status': status, 'page': page},
            headers={},
        )

    def credit_list_public(
        self,
        *,
        kind: str | None = None,
        q: str | None = None,
        page: int | None = None,
    ) -> Any:
        """List Public: ``GET /api/v1/credit/records``, action public.read."""
        return self._call(
            'credit_list_public',
            path={},
            query={'kind': kind, 'q': q, 'page': page},
            headers={},
        )

    def credit_organisation(
        self,
        *,
        key: str,
    ) -> Any:
        """Organisation: ``GET /api/v1/credit/organisations/{key}``, action public.read."""
        return self._call(
            'credit_organisation',
            path={'key': key},
            query={},
            headers={},
        )

    def credit_publish(
        self,
        *,
        record_id: str,
    ) -> Any:
        """Publish: ``POST /api/v1/credit/records/{record_id}/publish``, action credit.manage."""
        return self._call(
            'credit_publish',
            path={'record_id': record_id},
            query={},
            headers={},
        )

    def credit_revoke(
        self,
        *,
        record_id: str,
        json: Any,
    ) -> Any:
        """Revoke: ``POST /api/v1/credit/records/{record_id}/revoke``, action credit.manage."""
        return self._call(
            'credit_revoke',
            path={'record_id': record_id},
            query={},
            headers={},
            json=json,
        )

    def evaluation_advice(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Advice: ``GET /api/v1/tenders/{tender_id}/evaluation/advice``, action evaluation.read."""
        return self._call(
            'evaluation_advice',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def evaluation_assistant_grants(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Assistant Grants: ``GET /api/v1/tenders/{tender_id}/evaluation/assistants``, action evaluation.read."""
        return self._call(
            'evaluation_assistant_grants',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def evaluation_complete(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Complete: ``POST /api/v1/tenders/{tender_id}/evaluation/complete``, action evaluation.manage."""
        return self._call(
            'evaluation_complete',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def evaluation_decide_explanation(
        self,
        *,
        tender_id: str,
        bid_id: str,
        json: Any,
    ) -> Any:
        """Decide Explanation: ``POST /api/v1/tenders/{tender_id}/evaluation/explanations/{bid_id}/decision``, action evaluation.score."""
        return self._call(
            'evaluation_decide_explanation',
            path={'tender_id': tender_id, 'bid_id': bid_id},
            query={},
            headers={},
            json=json,
        )

    def evaluation_grant_assistant(
        self,
        *,
        tender_id: str,
        json: Any,
    ) -> Any:
        """Grant Assistant: ``POST /api/v1/tenders/{tender_id}/evaluation/assistants``, action evaluation.assist_grant."""
        return self._call(
            'evaluation_grant_assistant',
            path={'tender_id': tender_id},
            query={},
            headers={},
            json=json,
        )

    def evaluation_justify(
        self,
        *,
        tender_id: str,
        json: Any,
    ) -> Any:
        """Justify: ``POST /api/v1/tenders/{tender_id}/evaluation/justifications``, action evaluation.score."""
        return self._call(
            'evaluation_justify',
            path={'tender_id': tender_id},
            query={},
            headers={},
            json=json,
        )

    def evaluation_opened_bids_for_assistant(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Opened Bids For Assistant: ``GET /api/v1/tenders/{tender_id}/evaluation/opened-bids``, action evaluation.assist_read."""
        return self._call(
            'evaluation_opened_bids_for_assistant',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def evaluation_pause(
        self,
        *,
        tender_id: str,
        json: Any,
    ) -> Any:
        """Pause: ``POST /api/v1/tenders/{tender_id}/evaluation/pause``, action evaluation.manage."""
        return self._call(
            'evaluation_pause',
            path={'tender_id': tender_id},
            query={},
            headers={},
            json=json,
        )

    def evaluation_put_review(
        self,
        *,
        tender_id: str,
        json: Any,
    ) -> Any:
        """Put Review: ``PUT /api/v1/tenders/{tender_id}/evaluation/review``, action evaluation.score."""
        return self._call(
            'evaluation_put_review',
            path={'tender_id': tender_id},
            query={},
            headers={},
            json=json,
        )

    def evaluation_put_scores(
        self,
        *,
        tender_id: str,
        json: Any,
    ) -> Any:
        """Put Scores: ``PUT /api/v1/tenders/{tender_id}/evaluation/scores``, action evaluation.score."""
        return self._call(
            'evaluation_put_scores',
            path={'tender_id': tender_id},
            query={},
            headers={},
            json=json,
        )

    def evaluation_request_explanation(
        self,
        *,
        tender_id: str,
        bid_id: str,
    ) -> Any:
        """Request Explanation: ``POST /api/v1/tenders/{tender_id}/evaluation/explanations/{bid_id}/request``, action evaluation.score."""
        return self._call(
            'evaluation_request_explanation',
            path={'tender_id': tender_id, 'bid_id': bid_id},
            query={},
            headers={},
        )

    def evaluation_result(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Result: ``GET /api/v1/tenders/{tender_id}/evaluation/result``, action public.read."""
        return self._call(
            'evaluation_result',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def evaluation_resume(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Resume: ``POST /api/v1/tenders/{tender_id}/evaluation/resume``, action evaluation.manage."""
        return self._call(
            'evaluation_resume',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def evaluation_revoke_assistant(
        self,
        *,
        tender_id: str,
        client_id: str,
    ) -> Any:
        """Revoke Assistant: ``DELETE /api/v1/tenders/{tender_id}/evaluation/assistants/{client_id}``, action evaluation.assist_grant."""
        return self._call(
            'evaluation_revoke_assistant',
            path={'tender_id': tender_id, 'client_id': client_id},
            query={},
            headers={},
        )

    def evaluation_room(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Room: ``GET /api/v1/tenders/{tender_id}/evaluation``, action evaluation.read."""
        return self._call(
            'evaluation_room',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def evaluation_start(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Start: ``POST /api/v1/tenders/{tender_id}/evaluation``, action evaluation.manage."""
        return self._call(
            'evaluation_start',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def experts_blacklist_expert(
        self,
        *,
        expert_id: str,
        json: Any,
    ) -> Any:
        """Blacklist Expert: ``POST /api/v1/experts/{expert_id}/blacklist``, action expert.manage."""
        return self._call(
            'experts_blacklist_expert',
            path={'expert_id': expert_id},
            query={},
            headers={},
            json=json,
        )

    def experts_declare_interest(
        self,
        *,
        expert_id: str,
        json: Any,
    ) -> Any:
        """Declare Interest: ``POST /api/v1/experts/{expert_id}/interests``, action expert.manage."""
        return self._call(
            'experts_declare_interest',
            path={'expert_id': expert_id},
            query={},
            headers={},
            json=json,
        )

    def experts_get_expert(
        self,
        *,
        expert_id: str,
        on: str | None = None,
    ) -> Any:
        """Get Expert: ``GET /api/v1/experts/{expert_id}``, action expert.read_identity."""
        return self._call(
            'experts_get_expert',
            path={'expert_id': expert_id},
            query={'on': on},
            headers={},
        )

    def experts_import_experts(
        self,
        *,
        files: Mapping[str, Any],
        centre: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> Any:
        """Import Experts: ``POST /api/v1/experts/import``, action expert.manage."""
        return self._call(
            'experts_import_experts',
            path={},
            query={'centre': centre},
            headers={},
            files=files,
            data=data,
        )

    def experts_lift_blacklist(
        self,
        *,
        expert_id: str,
        entry_id: str,
        json: Any,
    ) -> Any:
        """Lift Blacklist: ``POST /api/v1/experts/{expert_id}/blacklist/{entry_id}/lift``, action expert.manage."""
        return self._call(
            'experts_lift_blacklist',
            path={'expert_id': expert_id, 'entry_id': entry_id},
            query={},
            headers={},
            json=json,
        )

    def experts_list_experts(
        self,
        *,
        centre_id: str | None = None,
        specialty: str | None = None,
        text: str | None = None,
        title: str | None = None,
        employer_uscc: str | None = None,
        blacklisted: bool | None = None,
        available: bool | None = None,
        on: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> Any:
        """List Experts: ``GET /api/v1/experts``, action expert.read_identity."""
        return self._call(
            'experts_list_experts',
            path={},
            query={'centre_id': centre_id, 'specialty': specialty, 'text': text, 'title': title, 'employer_uscc': employer_uscc, 'blacklisted': blacklisted, 'available': available, 'on': on, 'limit': limit, 'offset': offset},
            headers={},
        )

    def experts_register_expert(
        self,
        *,
        json: Any,
    ) -> Any:
        """Register Expert: ``POST /api/v1/experts``, action expert.manage."""
        return self._call(
            'experts_register_expert',
            path={},
            query={},
            headers={},
            json=json,
        )

    def experts_remove_unavailability(
        self,
        *,
        expert_id: str,
        range_id: str,
    ) -> Any:
        """Remove Unavailability: ``DELETE /api/v1/experts/{expert_id}/unavailability/{range_id}``, action expert.manage."""
        return self._call(
            'experts_remove_unavailability',
            path={'expert_id': expert_id, 'range_id': range_id},
            query={},
            headers={},
        )

    def experts_set_unavailable(
        self,
        *,
        expert_id: str,
        json: Any,
    ) -> Any:
        """Set Unavailable: ``POST /api/v1/experts/{expert_id}/unavailability``, action expert.manage."""
        return self._call(
            'experts_set_unavailable',
            path={'expert_id': expert_id},
            query={},
            headers={},
            json=json,
        )

    def experts_specialty_list(
        self,
    ) -> Any:
        """Specialty List: ``GET /api/v1/expert-specialties``, action public.read."""
        return self._call(
            'experts_specialty_list',
            path={},
            query={},
            headers={},
        )

    def experts_update_expert(
        self,
        *,
        expert_id: str,
        json: Any,
    ) -> Any:
        """Update Expert: ``PUT /api/v1/experts/{expert_id}``, action expert.manage."""
        return self._call(
            'experts_update_expert',
            path={'expert_id': expert_id},
            query={},
            headers={},
            json=json,
        )

    def experts_withdraw_interest(
        self,
        *,
        expert_id: str,
        interest_id: str,
    ) -> Any:
        """Withdraw Interest: ``DELETE /api/v1/experts/{expert_id}/interests/{interest_id}``, action expert.manage."""
        return self._call(
            'experts_withdraw_interest',
            path={'expert_id': expert_id, 'interest_id': interest_id},
            query={},
            headers={},
        )

    def federation_search_records(
        self,
        *,
        q: str | None = None,
        source: str | None = None,
        type: str | None = None,
        from_: str | None = None,
        to: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Any:
        """Search Records: ``GET /api/v1/ocds/search``, action public.read."""
        return self._call(
            'federation_search_records',
            path={},
            query={'q': q, 'source': source, 'type': type, 'from': from_, 'to': to, 'cursor': cursor, 'limit': limit},
            headers={},
        )

    def federation_sources(
        self,
    ) -> Any:
        """Sources: ``GET /api/v1/ocds/sources``, action public.read."""
        return self._call(
            'federation_sources',
            path={},
            query={},
            headers={},
        )

    def feed_feed(
        self,
        *,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Any:
        """Feed: ``GET /api/v1/feed``, action public.read."""
        return self._call(
            'feed_feed',
            path={},
            query={'cursor': cursor, 'limit': limit},
            headers={},
        )

    def guarantees_get_guarantee(
        self,
        *,
        guarantee_id: str,
    ) -> Any:
        """Get Guarantee: ``GET /api/v1/guarantees/{guarantee_id}``, action guarantee.read."""
        return self._call(
            'guarantees_get_guarantee',
            path={'guarantee_id': guarantee_id},
            query={},
            headers={},
        )

    def guarantees_list_guarantee_requests(
        self,
        *,
        status: str | None = None,
    ) -> Any:
        """List Guarantee Requests: ``GET /api/v1/guarantees/requests``, action guarantee.issue."""
        return self._call(
            'guarantees_list_guarantee_requests',
            path={},
            query={'status': status},
            headers={},
        )

    def guarantees_list_tender_guarantees(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """List Tender Guarantees: ``GET /api/v1/tenders/{tender_id}/guarantees``, action guarantee.read."""
        return self._call(
            'guarantees_list_tender_guarantees',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def guarantees_post_guarantee_claim(
        self,
        *,
        guarantee_id: str,
        json: Any,
    ) -> Any:
        """Post Guarantee Claim: ``POST /api/v1/guarantees/{guarantee_id}/claim``, action guarantee.claim."""
        return self._call(
            'guarantees_post_guarantee_claim',
            path={'guarantee_id': guarantee_id},
            query={},
            headers={},
            json=json,
        )

    def guarantees_post_guarantee_document(
        self,
        *,
        guarantee_id: str,
        json: Any,
    ) -> Any:
        """Post Guarantee Document: ``POST /api/v1/guarantees/{guarantee_id}/document``, action guarantee.issue."""
        return self._call(
            'guarantees_post_guarantee_document',
            path={'guarantee_id': guarantee_id},
            query={},
            headers={},
            json=json,
        )

    def guarantees_post_guarantee_request(
        self,
        *,
        tender_id: str,
        json: Any,
    ) -> Any:
        """Post Guarantee Request: ``POST /api/v1/tenders/{tender_id}/guarantees``, action guarantee.request."""
        return self._call(
            'guarantees_post_guarantee_request',
            path={'tender_id': tender_id},
            query={},
            headers={},
            json=json,
        )

    def identity_create_centre(
        self,
        *,
        json: Any,
    ) -> Any:
        """Create Centre: ``POST /api/v1/centres``, action centre.manage."""
        return self._call(
            'identity_create_centre',
            path={},
            query={},
            headers={},
            json=json,
        )

    def identity_create_user(
        self,
        *,
        json: Any,
    ) -> Any:
        """Create User: ``POST /api/v1/users``, action user.manage."""
        return self._call(
            'identity_create_user',
            path={},
            query={},
            headers={},
            json=json,
        )

    def identity_get_organisation(
        self,
        *,
        org_id: str,
    ) -> Any:
        """Get Organisation: ``GET /api/v1/organisations/{org_id}``, action public.read."""
        return self._call(
            'identity_get_organisation',
            path={'org_id': org_id},
            query={},
            headers={},
        )

    def identity_list_centres(
        self,
    ) -> Any:
        """List Centres: ``GET /api/v1/centres``, action public.read."""
        return self._call(
            'identity_list_centres',
            path={},
            query={},
            headers={},
        )

    def identity_me(
        self,
    ) -> Any:
        """Me: ``GET /api/v1/me``, action session.read."""
        return self._call(
            'identity_me',
            path={},
            query={},
            headers={},
        )

    def identity_my_notifications(
        self,
    ) -> Any:
        """My Notifications: ``GET /api/v1/me/notifications``, action session.read."""
        return self._call(
            'identity_my_notifications',
            path={},
            query={},
            headers={},
        )

    def identity_register_organisation(
        self,
        *,
        json: Any,
    ) -> Any:
        """Register Organisation: ``POST /api/v1/organisations``, action org.register."""
        return self._call(
            'identity_register_organisation',
            path={},
            query={},
            headers={},
            json=json,
        )

    def identity_set_my_mobile(
        self,
        *,
        json: Any,
    ) -> Any:
        """Set My Mobile: ``PUT /api/v1/me/mobile``, action account.edit."""
        return self._call(
            'identity_set_my_mobile',
            path={},
            query={},
            headers={},
            json=json,
        )

    def identity_sign_in(
        self,
        *,
        json: Any,
    ) -> Any:
        """Sign In: ``POST /api/v1/session``, action session.login."""
        return self._call(
            'identity_sign_in',
            path={},
            query={},
            headers={},
            json=json,
        )

    def identity_sign_out(
        self,
    ) -> Any:
        """Sign Out: ``DELETE /api/v1/session``, action session.logout."""
        return self._call(
            'identity_sign_out',
            path={},
            query={},
            headers={},
        )

    def identity_unlock_user(
        self,
        *,
        username: str,
    ) -> Any:
        """Unlock User: ``POST /api/v1/users/{username}/unlock``, action account.unlock."""
        return self._call(
            'identity_unlock_user',
            path={'username': username},
            query={},
            headers={},
        )

    def integrations_calls(
        self,
        *,
        client_id: str,
    ) -> Any:
        """Calls: ``GET /api/v1/integrations/{client_id}/calls``, action integration.manage."""
        return self._call(
            'integrations_calls',
            path={'client_id': client_id},
            query={},
            headers={},
        )

    def integrations_consent_to_sign(
        self,
        *,
        json: Any,
    ) -> Any:
        """Consent To Sign: ``POST /api/v1/consents/to-sign``, action consent.grant."""
        return self._call(
            'integrations_consent_to_sign',
            path={},
            query={},
            headers={},
            json=json,
        )

    def integrations_grant(
        self,
        *,
        json: Any,
    ) -> Any:
        """Grant: ``POST /api/v1/consents``, action consent.grant."""
        return self._call(
            'integrations_grant',
            path={},
            query={},
            headers={},
            json=json,
        )

    def integrations_list_clients(
        self,
    ) -> Any:
        """List Clients: ``GET /api/v1/integrations``, action integration.manage."""
        return self._call(
            'integrations_list_clients',
            path={},
            query={},
            headers={},
        )

    def integrations_my_consents(
        self,
    ) -> Any:
        """My Consents: ``GET /api/v1/consents``, action consent.grant."""
        return self._call(
            'integrations_my_consents',
            path={},
            query={},
            headers={},
        )

    def integrations_register(
        self,
        *,
        json: Any,
    ) -> Any:
        """Register: ``POST /api/v1/integrations``, action integration.manage."""
        return self._call(
            'integrations_register',
            path={},
            query={},
            headers={},
            json=json,
        )

    def integrations_revoke_client(
        self,
        *,
        client_id: str,
    ) -> Any:
        """Revoke Client: ``DELETE /api/v1/integrations/{client_id}``, action integration.manage."""
        return self._call(
            'integrations_revoke_client',
            path={'client_id': client_id},
            query={},
            headers={},
        )

    def integrations_revoke_consent(
        self,
        *,
        consent_id: str,
    ) -> Any:
        """Revoke Consent: ``DELETE /api/v1/consents/{consent_id}``, action consent.grant."""
        return self._call(
            'integrations_revoke_consent',
            path={'consent_id': consent_id},
            query={},
            headers={},
        )

    def integrations_revoke_secret(
        self,
        *,
        client_id: str,
        secret_id: str,
    ) -> Any:
        """Revoke Secret: ``DELETE /api/v1/integrations/{client_id}/secrets/{secret_id}``, action integration.manage."""
        return self._call(
            'integrations_revoke_secret',
            path={'client_id': client_id, 'secret_id': secret_id},
            query={},
            headers={},
        )

    def integrations_rotate(
        self,
        *,
        client_id: str,
    ) -> Any:
        """Rotate: ``POST /api/v1/integrations/{client_id}/secrets``, action integration.manage."""
        return self._call(
            'integrations_rotate',
            path={'client_id': client_id},
            query={},
            headers={},
        )

    def integrations_scope_table(
        self,
    ) -> Any:
        """Scope Table: ``GET /api/v1/oauth/scopes``, action public.read."""
        return self._call(
            'integrations_scope_table',
            path={},
            query={},
            headers={},
        )

    def integrations_token(
        self,
    ) -> Any:
        """Token: ``POST /api/v1/oauth/token``, action session.login."""
        return self._call(
            'integrations_token',
            path={},
            query={},
            headers={},
        )

    def listings_announce(
        self,
        *,
        listing_id: str,
    ) -> Any:
        """Announce: ``POST /api/v1/listings/{listing_id}/announce``, action listing.manage."""
        return self._call(
            'listings_announce',
            path={'listing_id': listing_id},
            query={},
            headers={},
        )

    def listings_apply(
        self,
        *,
        listing_id: str,
        json: Any,
    ) -> Any:
        """Apply: ``POST /api/v1/listings/{listing_id}/registrations``, action listing.register."""
        return self._call(
            'listings_apply',
            path={'listing_id': listing_id},
            query={},
            headers={},
            json=json,
        )

    def listings_cancel(
        self,
        *,
        listing_id: str,
        json: Any,
    ) -> Any:
        """Cancel: ``POST /api/v1/listings/{listing_id}/cancel``, action listing.manage."""
        return self._call(
            'listings_cancel',
            path={'listing_id': listing_id},
            query={},
            headers={},
            json=json,
        )

    def listings_confirm_deposit(
        self,
        *,
        listing_id: str,
        registration_id: str,
        json: Any,
    ) -> Any:
        """Confirm Deposit: ``POST /api/v1/listings/{listing_id}/registrations/{registration_id}/deposit``, action listing.review."""
        return self._call(
            'listings_confirm_deposit',
            path={'listing_id': listing_id, 'registration_id': registration_id},
            query={},
            headers={},
            json=json,
        )

    def listings_create(
        self,
        *,
        json: Any,
    ) -> Any:
        """Create: ``POST /api/v1/listings``, action listing.manage."""
        return self._call(
            'listings_create',
            path={},
            query={},
            headers={},
            json=json,
        )

    def listings_declare_continuing(
        self,
        *,
        listing_id: str,
    ) -> Any:
        """Declare Continuing: ``POST /api/v1/listings/{listing_id}/continuing``, action listing.register."""
        return self._call(
            'listings_declare_continuing',
            path={'listing_id': listing_id},
            query={},
            headers={},
        )

    def listings_download_document(
        self,
        *,
        listing_id: str,
        document_id: str,
    ) -> Any:
        """Download Document: ``GET /api/v1/listings/{listing_id}/documents/{document_id}``, action public.read."""
        return self._call(
            'listings_download_document',
            path={'listing_id': listing_id, 'document_id': document_id},
            query={},
            headers={},
        )

    def listings_edit(
        self,
        *,
        listing_id: str,
        json: Any,
    ) -> Any:
        """Edit: ``PATCH /api/v1/listings/{listing_id}``, action listing.manage."""
        return self._call(
            'listings_edit',
            path={'listing_id': listing_id},
            query={},
            headers={},
            json=json,
        )

    def listings_get_listing(
        self,
        *,
        listing_id: str,
    ) -> Any:
        """Get Listing: ``GET /api/v1/listings/{listing_id}``, action public.read."""
        return self._call(
            'listings_get_listing',
            path={'listing_id': listing_id},
            query={},
            headers={},
        )

    def listings_import_deposits(
        self,
        *,
        files: Mapping[str, Any],
        data: Mapping[str, Any] | None = None,
    ) -> Any:
        """Import Deposits: ``POST /api/v1/deposits/import``, action listing.review."""
        return self._call(
            'listings_import_deposits',
            path={},
            query={},
            headers={},
            files=files,
            data=data,
        )

    def listings_list_listings(
        self,
        *,
        status: str | None = None,
        kind: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> Any:
        """List Listings: ``GET /api/v1/listings``, action public.read."""
        return self._call(
            'listings_list_listings',
            path={},
            query={'status': status, 'kind': kind, 'limit': limit, 'offset': offset},
            headers={},
        )

    def listings_list_registrations(
        self,
        *,
        listing_id: str,
    ) -> Any:
        """List Registrations: ``GET /api/v1/listings/{listing_id}/registrations``, action listing.read_bidders."""
        return self._call(
            'listings_list_registrations',
            path={'listing_id': listing_id},
            query={},
            headers={},
        )

    def listings_review(
        self,
        *,
        listing_id: str,
        registration_id: str,
        json: Any,
    ) -> Any:
        """Review: ``POST /api/v1/listings/{listing_id}/registrations/{registration_id}/review``, action listing.review."""
        return self._call(
            'listings_review',
            path={'listing_id': listing_id, 'registration_id': registration_id},
            query={},
            headers={},
            json=json,
        )

    def listings_upload_document(
        self,
        *,
        listing_id: str,
        files: Mapping[str, Any],
        data: Mapping[str, Any] | None = None,
    ) -> Any:
        """Upload Document: ``POST /api/v1/listings/{listing_id}/documents``, action listing.manage."""
        return self._call(
            'listings_upload_document',
            path={'listing_id': listing_id},
            query={},
            headers={},
            files=files,
            data=data,
        )

    def ocds_get_record(
        self,
        *,
        ocid: str,
        source: str | None = None,
    ) -> Any:
        """Get Record: ``GET /api/v1/ocds/records/{ocid}``, action public.read."""
        return self._call(
            'ocds_get_record',
            path={'ocid': ocid},
            query={'source': source},
            headers={},
        )

    def ocds_get_release(
        self,
        *,
        release_id: str,
    ) -> Any:
        """Get Release: ``GET /api/v1/ocds/releases/{release_id}``, action public.read."""
        return self._call(
            'ocds_get_release',
            path={'release_id': release_id},
            query={},
            headers={},
        )

    def ocds_list_releases(
        self,
        *,
        cursor: str | None = None,
        limit: int | None = None,
        source: str | None = None,
    ) -> Any:
        """List Releases: ``GET /api/v1/ocds/releases``, action public.read."""
        return self._call(
            'ocds_list_releases',
            path={},
            query={'cursor': cursor, 'limit': limit, 'source': source},
            headers={},
        )

    def opening_escrow_certificate(
        self,
    ) -> Any:
        """Escrow Certificate: ``GET /api/v1/opening/escrow-certificate``, action public.read."""
        return self._call(
            'opening_escrow_certificate',
            path={},
            query={},
            headers={},
        )

    def opening_opened_document(
        self,
        *,
        bid_id: str,
        name: str,
    ) -> Any:
        """Opened Document: ``GET /api/v1/bids/{bid_id}/documents/{name}``, action bid.read_opened."""
        return self._call(
            'opening_opened_document',
            path={'bid_id': bid_id, 'name': name},
            query={},
            headers={},
        )

    def opening_opening_answer(
        self,
        *,
        statement_id: str,
        json: Any,
    ) -> Any:
        """Opening Answer: ``POST /api/v1/opening-statements/{statement_id}/answer``, action opening.host."""
        return self._call(
            'opening_opening_answer',
            path={'statement_id': statement_id},
            query={},
            headers={},
            json=json,
        )

    def opening_opening_check_in(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Opening Check In: ``POST /api/v1/tenders/{tender_id}/opening/check-in``, action opening.attend."""
        return self._call(
            'opening_opening_check_in',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def opening_opening_my_share(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Opening My Share: ``GET /api/v1/tenders/{tender_id}/opening/my-share``, action opening.release_share."""
        return self._call(
            'opening_opening_my_share',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def opening_opening_open(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Opening Open: ``POST /api/v1/tenders/{tender_id}/opening/open``, action opening.host."""
        return self._call(
            'opening_opening_open',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def opening_opening_publish(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Opening Publish: ``POST /api/v1/tenders/{tender_id}/opening/record``, action opening.host."""
        return self._call(
            'opening_opening_publish',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def opening_opening_record(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Opening Record: ``GET /api/v1/tenders/{tender_id}/opening-record``, action public.read."""
        return self._call(
            'opening_opening_record',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def opening_opening_release_content_key(
        self,
        *,
        bid_id: str,
        json: Any,
    ) -> Any:
        """Opening Release Content Key: ``POST /api/v1/bids/{bid_id}/content-key``, action opening.attend."""
        return self._call(
            'opening_opening_release_content_key',
            path={'bid_id': bid_id},
            query={},
            headers={},
            json=json,
        )

    def opening_opening_release_share(
        self,
        *,
        tender_id: str,
        share_index: str,
        json: Any,
    ) -> Any:
        """Opening Release Share: ``POST /api/v1/tenders/{tender_id}/opening/shares/{share_index}``, action opening.release_share."""
        return self._call(
            'opening_opening_release_share',
            path={'tender_id': tender_id, 'share_index': share_index},
            query={},
            headers={},
            json=json,
        )

    def opening_opening_state(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Opening State: ``GET /api/v1/tenders/{tender_id}/opening``, action public.read."""
        return self._call(
            'opening_opening_state',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def opening_opening_statement(
        self,
        *,
        tender_id: str,
        json: Any,
    ) -> Any:
        """Opening Statement: ``POST /api/v1/tenders/{tender_id}/opening/statements``, action opening.attend."""
        return self._call(
            'opening_opening_statement',
            path={'tender_id': tender_id},
            query={},
            headers={},
            json=json,
        )

    def pki_add_ca(
        self,
        *,
        json: Any,
    ) -> Any:
        """Add Ca: ``POST /api/v1/cas``, action ca.manage."""
        return self._call(
            'pki_add_ca',
            path={},
            query={},
            headers={},
            json=json,
        )

    def pki_bind_certificate(
        self,
        *,
        json: Any,
    ) -> Any:
        """Bind Certificate: ``POST /api/v1/me/certificates``, action cert.bind."""
        return self._call(
            'pki_bind_certificate',
            path={},
            query={},
            headers={},
            json=json,
        )

    def pki_certificate_sign_in(
        self,
        *,
        json: Any,
    ) -> Any:
        """Certificate Sign In: ``POST /api/v1/session/certificate``, action session.login."""
        return self._call(
            'pki_certificate_sign_in',
            path={},
            query={},
            headers={},
            json=json,
        )

    def pki_change_ca_status(
        self,
        *,
        ca_id: str,
        json: Any,
    ) -> Any:
        """Change Ca Status: ``POST /api/v1/cas/{ca_id}/status``, action ca.manage."""
        return self._call(
            'pki_change_ca_status',
            path={'ca_id': ca_id},
            query={},
            headers={},
            json=json,
        )

    def pki_get_ca(
        self,
        *,
        ca_id: str,
    ) -> Any:
        """Get Ca: ``GET /api/v1/cas/{ca_id}``, action public.read."""
        return self._call(
            'pki_get_ca',
            path={'ca_id': ca_id},
            query={},
            headers={},
        )

    def pki_list_cas(
        self,
    ) -> Any:
        """List Cas: ``GET /api/v1/cas``, action public.read."""
        return self._call(
            'pki_list_cas',
            path={},
            query={},
            headers={},
        )

    def pki_my_certificates(
        self,
    ) -> Any:
        """My Certificates: ``GET /api/v1/me/certificates``, action cert.bind."""
        return self._call(
            'pki_my_certificates',
            path={},
            query={},
            headers={},
        )

    def pki_new_challenge(
        self,
        *,
        json: Any,
    ) -> Any:
        """New Challenge: ``POST /api/v1/certificate-challenges``, action session.login."""
        return self._call(
            'pki_new_challenge',
            path={},
            query={},
            headers={},
            json=json,
        )

    def pki_timestamp(
        self,
        *,
        content: bytes | None = None,
    ) -> Any:
        """Timestamp: ``POST /api/v1/timestamp``, action timestamp.issue."""
        return self._call(
            'pki_timestamp',
            path={},
            query={},
            headers={},
            content=content,
        )

    def pki_timestamp_certificates(
        self,
    ) -> Any:
        """Timestamp Certificates: ``GET /api/v1/timestamp/certificates``, action public.read."""
        return self._call(
            'pki_timestamp_certificates',
            path={},
            query={},
            headers={},
        )

    def pki_unbind_certificate(
        self,
        *,
        binding_id: str,
    ) -> Any:
        """Unbind Certificate: ``DELETE /api/v1/me/certificates/{binding_id}``, action cert.bind."""
        return self._call(
            'pki_unbind_certificate',
            path={'binding_id': binding_id},
            query={},
            headers={},
        )

    def pki_verify_certificate(
        self,
        *,
        json: Any,
    ) -> Any:
        """Verify Certificate: ``POST /api/v1/certificates/verify``, action signature.verify."""
        return self._call(
            'pki_verify_certificate',
            path={},
            query={},
            headers={},
            json=json,
        )

    def pki_verify_signature(
        self,
        *,
        files: Mapping[str, Any],
        data: Mapping[str, Any] | None = None,
    ) -> Any:
        """Verify Signature: ``POST /api/v1/signatures/verify``, action signature.verify."""
        return self._call(
            'pki_verify_signature',
            path={},
            query={},
            headers={},
            files=files,
            data=data,
        )

    def quality_centre(
        self,
        *,
        code: str,
        period: str | None = None,
        type: str | None = None,
    ) -> Any:
        """Centre: ``GET /api/v1/quality/centres/{code}``, action quality.read."""
        return self._call(
            'quality_centre',
            path={'code': code},
            query={'period': period, 'type': type},
            headers={},
        )

    def quality_findings(
        self,
        *,
        code: str,
        dimension: str | None = None,
        period: str | None = None,
        type: str | None = None,
        page: int | None = None,
    ) -> Any:
        """Findings: ``GET /api/v1/quality/centres/{code}/findings``, action quality.read."""
        return self._call(
            'quality_findings',
            path={'code': code},
            query={'dimension': dimension, 'period': period, 'type': type, 'page': page},
            headers={},
        )

    def quality_ranking(
        self,
        *,
        period: str | None = None,
        type: str | None = None,
    ) -> Any:
        """Ranking: ``GET /api/v1/quality/ranking``, action quality.read."""
        return self._call(
            'quality_ranking',
            path={},
            query={'period': period, 'type': type},
            headers={},
        )

    def supervision_acknowledge(
        self,
        *,
        alert_id: str,
        json: Any = None,
    ) -> Any:
        """Acknowledge: ``POST /api/v1/supervision/alerts/{alert_id}/acknowledge``, action alert.acknowledge."""
        return self._call(
            'supervision_acknowledge',
            path={'alert_id': alert_id},
            query={},
            headers={},
            json=json,
        )

    def supervision_add_note(
        self,
        *,
        case_id: str,
        json: Any,
    ) -> Any:
        """Add Note: ``POST /api/v1/supervision/cases/{case_id}/notes``, action case.manage."""
        return self._call(
            'supervision_add_note',
            path={'case_id': case_id},
            query={},
            headers={},
            json=json,
        )

    def supervision_alerts(
        self,
        *,
        level: int | None = None,
        open: bool | None = None,
        page: int | None = None,
    ) -> Any:
        """Alerts: ``GET /api/v1/supervision/alerts``, action flags.read."""
        return self._call(
            'supervision_alerts',
            path={},
            query={'level': level, 'open': open, 'page': page},
            headers={},
        )

    def supervision_create_case(
        self,
        *,
        json: Any,
    ) -> Any:
        """Create Case: ``POST /api/v1/supervision/cases``, action case.manage."""
        return self._call(
            'supervision_create_case',
            path={},
            query={},
            headers={},
            json=json,
        )

    def supervision_download_evidence(
        self,
        *,
        case_id: str,
        evidence_id: str,
    ) -> Any:
        """Download Evidence: ``GET /api/v1/supervision/cases/{case_id}/evidence/{evidence_id}``, action case.read."""
        return self._call(
            'supervision_download_evidence',
            path={'case_id': case_id, 'evidence_id': evidence_id},
            query={},
            headers={},
        )

    def supervision_flags(
        self,
        *,
        rule: str | None = None,
        group: str | None = None,
        subject_id: str | None = None,
        tender_id: str | None = None,
        severity: str | None = None,
        state: str | None = None,
        page: int | None = None,
    ) -> Any:
        """Flags: ``GET /api/v1/supervision/flags``, action flags.read."""
        return self._call(
            'supervision_flags',
            path={},
            query={'rule': rule, 'group': group, 'subject_id': subject_id, 'tender_id': tender_id, 'severity': severity, 'state': state, 'page': page},
            headers={},
        )

    def supervision_get_case(
        self,
        *,
        case_id: str,
    ) -> Any:
        """Get Case: ``GET /api/v1/supervision/cases/{case_id}``, action case.read."""
        return self._call(
            'supervision_get_case',
            path={'case_id': case_id},
            query={},
            headers={},
        )

    def supervision_link_hits(
        self,
        *,
        case_id: str,
        json: Any,
    ) -> Any:
        """Link Hits: ``POST /api/v1/supervision/cases/{case_id}/hits``, action case.manage."""
        return self._call(
            'supervision_link_hits',
            path={'case_id': case_id},
            query={},
            headers={},
            json=json,
        )

    def supervision_list_cases(
        self,
        *,
        status: str | None = None,
        page: int | None = None,
    ) -> Any:
        """List Cases: ``GET /api/v1/supervision/cases``, action case.read."""
        return self._call(
            'supervision_list_cases',
            path={},
            query={'status': status, 'page': page},
            headers={},
        )

    def supervision_risk(
        self,
        *,
        kind: str | None = None,
        page: int | None = None,
    ) -> Any:
        """Risk: ``GET /api/v1/supervision/risk``, action flags.read."""
        return self._call(
            'supervision_risk',
            path={},
            query={'kind': kind, 'page': page},
            headers={},
        )

    def supervision_transition(
        self,
        *,
        case_id: str,
        json: Any,
    ) -> Any:
        """Transition: ``POST /api/v1/supervision/cases/{case_id}/transitions``, action case.manage."""
        return self._call(
            'supervision_transition',
            path={'case_id': case_id},
            query={},
            headers={},
            json=json,
        )

    def supervision_upload_evidence(
        self,
        *,
        case_id: str,
        files: Mapping[str, Any],
        data: Mapping[str, Any] | None = None,
    ) -> Any:
        """Upload Evidence: ``POST /api/v1/supervision/cases/{case_id}/evidence``, action case.manage."""
        return self._call(
            'supervision_upload_evidence',
            path={'case_id': case_id},
            query={},
            headers={},
            files=files,
            data=data,
        )

    def system_audit_of(
        self,
        *,
        object_type: str,
        object_id: str,
    ) -> Any:
        """Audit Of: ``GET /api/v1/audit/{object_type}/{object_id}``, action audit.read."""
        return self._call(
            'system_audit_of',
            path={'object_type': object_type, 'object_id': object_id},
            query={},
            headers={},
        )

    def system_audit_verify(
        self,
    ) -> Any:
        """Audit Verify: ``GET /api/v1/audit/verify``, action audit.read."""
        return self._call(
            'system_audit_verify',
            path={},
            query={},
            headers={},
        )

    def system_health(
        self,
    ) -> Any:
        """Health: ``GET /api/v1/health``, action public.read."""
        return self._call(
            'system_health',
            path={},
            query={},
            headers={},
        )

    def system_rule_packs(
        self,
    ) -> Any:
        """Rule Packs: ``GET /api/v1/rule-packs``, action public.read."""
        return self._call(
            'system_rule_packs',
            path={},
            query={},
            headers={},
        )

    def tenders_answer(
        self,
        *,
        tender_id: str,
        enquiry_id: str,
        json: Any,
    ) -> Any:
        """Answer: ``POST /api/v1/tenders/{tender_id}/enquiries/{enquiry_id}/answer``, action enquiry.answer."""
        return self._call(
            'tenders_answer',
            path={'tender_id': tender_id, 'enquiry_id': enquiry_id},
            query={},
            headers={},
            json=json,
        )

    def tenders_ask(
        self,
        *,
        tender_id: str,
        json: Any,
    ) -> Any:
        """Ask: ``POST /api/v1/tenders/{tender_id}/enquiries``, action enquiry.ask."""
        return self._call(
            'tenders_ask',
            path={'tender_id': tender_id},
            query={},
            headers={},
            json=json,
        )

    def tenders_cancel_tender(
        self,
        *,
        tender_id: str,
        json: Any,
    ) -> Any:
        """Cancel Tender: ``POST /api/v1/tenders/{tender_id}/cancel``, action tender.cancel."""
        return self._call(
            'tenders_cancel_tender',
            path={'tender_id': tender_id},
            query={},
            headers={},
            json=json,
        )

    def tenders_create_tender(
        self,
        *,
        json: Any,
    ) -> Any:
        """Create Tender: ``POST /api/v1/tenders``, action tender.create."""
        return self._call(
            'tenders_create_tender',
            path={},
            query={},
            headers={},
            json=json,
        )

    def tenders_download_document(
        self,
        *,
        tender_id: str,
        document_id: str,
    ) -> Any:
        """Download Document: ``GET /api/v1/tenders/{tender_id}/documents/{document_id}``, action public.read."""
        return self._call(
            'tenders_download_document',
            path={'tender_id': tender_id, 'document_id': document_id},
            query={},
            headers={},
        )

    def tenders_edit_tender(
        self,
        *,
        tender_id: str,
        json: Any,
    ) -> Any:
        """Edit Tender: ``PATCH /api/v1/tenders/{tender_id}``, action tender.edit."""
        return self._call(
            'tenders_edit_tender',
            path={'tender_id': tender_id},
            query={},
            headers={},
            json=json,
        )

    def tenders_get_tender(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Get Tender: ``GET /api/v1/tenders/{tender_id}``, action public.read."""
        return self._call(
            'tenders_get_tender',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def tenders_issue_amendment(
        self,
        *,
        tender_id: str,
        files: Mapping[str, Any],
        data: Mapping[str, Any] | None = None,
    ) -> Any:
        """Issue Amendment: ``POST /api/v1/tenders/{tender_id}/amendments``, action tender.amend."""
        return self._call(
            'tenders_issue_amendment',
            path={'tender_id': tender_id},
            query={},
            headers={},
            files=files,
            data=data,
        )

    def tenders_list_tenders(
        self,
        *,
        transaction_type: str | None = None,
        region: str | None = None,
        status: str | None = None,
        published_from: str | None = None,
        published_to: str | None = None,
        q: str | None = None,
        sandbox: bool | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Any:
        """List Tenders: ``GET /api/v1/tenders``, action public.read."""
        return self._call(
            'tenders_list_tenders',
            path={},
            query={'transaction_type': transaction_type, 'region': region, 'status': status, 'published_from': published_from, 'published_to': published_to, 'q': q, 'sandbox': sandbox, 'limit': limit, 'cursor': cursor},
            headers={},
        )

    def tenders_obtain_documents(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Obtain Documents: ``POST /api/v1/tenders/{tender_id}/obtain``, action document.obtain."""
        return self._call(
            'tenders_obtain_documents',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def tenders_publish_tender(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """Publish Tender: ``POST /api/v1/tenders/{tender_id}/publish``, action tender.publish."""
        return self._call(
            'tenders_publish_tender',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def tenders_register_project(
        self,
        *,
        json: Any,
    ) -> Any:
        """Register Project: ``POST /api/v1/projects``, action project.create."""
        return self._call(
            'tenders_register_project',
            path={},
            query={},
            headers={},
            json=json,
        )

    def tenders_upload_document(
        self,
        *,
        tender_id: str,
        files: Mapping[str, Any],
        kind: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> Any:
        """Upload Document: ``POST /api/v1/tenders/{tender_id}/documents``, action document.upload."""
        return self._call(
            'tenders_upload_document',
            path={'tender_id': tender_id},
            query={'kind': kind},
            headers={},
            files=files,
            data=data,
        )

    def upstream_push_records(
        self,
        *,
        x_prex_signature: str,
        json: Any,
    ) -> Any:
        """Push Records: ``POST /api/v1/upstream/records``, action upstream.push."""
        return self._call(
            'upstream_push_records',
            path={},
            query={},
            headers={'X-Prex-Signature': x_prex_signature},
            json=json,
        )

    def venues_book_seats(
        self,
        *,
        tender_id: str,
        json: Any,
    ) -> Any:
        """Book Seats: ``POST /api/v1/tenders/{tender_id}/seat-bookings``, action seat.book."""
        return self._call(
            'venues_book_seats',
            path={'tender_id': tender_id},
            query={},
            headers={},
            json=json,
        )

    def venues_list_bookings(
        self,
        *,
        tender_id: str,
    ) -> Any:
        """List Bookings: ``GET /api/v1/tenders/{tender_id}/seat-bookings``, action venue.read."""
        return self._call(
            'venues_list_bookings',
            path={'tender_id': tender_id},
            query={},
            headers={},
        )

    def venues_list_rooms(
        self,
        *,
        centre_id: str,
        inactive: bool | None = None,
    ) -> Any:
        """List Rooms: ``GET /api/v1/centres/{centre_id}/evaluation-rooms``, action venue.read."""
        return self._call(
            'venues_list_rooms',
            path={'centre_id': centre_id},
            query={'inactive': inactive},
            headers={},
        )

    def venues_register_room(
        self,
        *,
        centre_id: str,
        json: Any,
    ) -> Any:
        """Register Room: ``POST /api/v1/centres/{centre_id}/evaluation-rooms``, action venue.manage."""
        return self._call(
            'venues_register_room',
            path={'centre_id': centre_id},
            query={},
            headers={},
            json=json,
        )

    def venues_release_booking(
        self,
        *,
        booking_id: str,
    ) -> Any:
        """Release Booking: ``POST /api/v1/seat-bookings/{booking_id}/release``, action seat.book."""
        return self._call(
            'venues_release_booking',
            path={'booking_id': booking_id},
            query={},
            headers={},
        )

    def venues_update_room(
        self,
        *,
        room_id: str,
        json: Any,
    ) -> Any:
        """Update Room: ``PATCH /api/v1/evaluation-rooms/{room_id}``, action venue.manage."""
        return self._call(
            'venues_update_room',
            path={'room_id': room_id},
            query={},
            headers={},
            json=json,
        )

    def webhooks_certificates(
        self,
    ) -> Any:
        """Certificates: ``GET /api/v1/webhooks/certificates``, action public.read."""
        return self._call(
            'webhooks_certificates',
            path={},
            query={},
            headers={},
        )

    def webhooks_change_subscription(
        self,
        *,
        subscription_id: str,
        json: Any,
    ) -> Any:
        """Change Subscription: ``PATCH /api/v1/webhooks/subscriptions/{subscription_id}``, action webhook.manage."""
        return self._call(
            'webhooks_change_subscription',
            path={'subscription_id': subscription_id},
            query={},
            headers={},
            json=json,
        )

    def webhooks_deliveries(
        self,
        *,
        subscription_id: str,
        status: str | None = None,
        after: int | None = None,
        limit: int | None = None,
    ) -> Any:
        """Deliveries: ``GET /api/v1/webhooks/subscriptions/{subscription_id}/deliveries``, action webhook.read."""
        return self._call(
            'webhooks_deliveries',
            path={'subscription_id': subscription_id},
            query={'status': status, 'after': after, 'limit': limit},
            headers={},
        )

    def webhooks_event_types(
        self,
    ) -> Any:
        """Event Types: ``GET /api/v1/webhooks/events``, action public.read."""
        return self._call(
            'webhooks_event_types',
            path={},
            query={},
            headers={},
        )

    def webhooks_list_subscriptions(
        self,
    ) -> Any:
        """List Subscriptions: ``GET /api/v1/webhooks/subscriptions``, action webhook.read."""
        return self._call(
            'webhooks_list_subscriptions',
            path={},
            query={},
            headers={},
        )

    def webhooks_read_subscription(
        self,
        *,
        subscription_id: str,
    ) -> Any:
        """Read Subscription: ``GET /api/v1/webhooks/subscriptions/{subscription_id}``, action webhook.read."""
        return self._call(
            'webhooks_read_subscription',
            path={'subscription_id': subscription_id},
            query={},
            headers={},
        )

    def webhooks_redeliver(
        self,
        *,
        delivery_id: str,
    ) -> Any:
        """Redeliver: ``POST /api/v1/webhooks/deliveries/{delivery_id}/redeliver``, action webhook.manage."""
        return self._call(
            'webhooks_redeliver',
            path={'delivery_id': delivery_id},
            query={},
            headers={},
        )

    def webhooks_subscribe(
        self,
        *,
        json: Any,
    ) -> Any:
        """Subscribe: ``POST /api/v1/webhooks/subscriptions``, action webhook.manage."""
        return self._call(
            'webhooks_subscribe',
            path={},
            query={},
            headers={},
            json=json,
        )

    def webhooks_unsubscribe(
        self,
        *,
        subscription_id: str,
    ) -> Any:
        """Unsubscribe: ``DELETE /api/v1/webhooks/subscriptions/{subscription_id}``, action webhook.manage."""
        return self._call(
            'webhooks_unsubscribe',
            path={'subscription_id': subscription_id},
            query={},
            headers={},
        )

# fmt: on
