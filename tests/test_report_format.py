"""Each stored report records the format it is written in, and is loaded with it."""

from __future__ import annotations

import pytest
from driver import Clerk, make_service, onboard

from bot.format.definition import FormatError
from bot.storage.models import ReportRecord


def test_a_stored_report_is_loaded_in_its_recorded_format(tmp_path):
    service = make_service(tmp_path)
    clerk = Clerk(service)
    onboard(clerk)
    with service.repo.transaction() as store:
        record = store.report_record(store.conversation(store.user("test", "clerk1")).report_id)
        assert record.format_id == "gov-2021"
        assert store.load_report(record.id).format.id == "gov-2021"
        record.format_id = "gov-1999"
        store.save(record)
    with pytest.raises(FormatError), service.repo.transaction() as store:
        store.load_report(store.session.get(ReportRecord, record.id).id)
