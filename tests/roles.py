"""A county with units and people, built through the bot's own commands, for the role tests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from driver import Clerk, make_service
from factories import zero_report
from sqlmodel import select

from bot.interview.service import Service
from bot.storage.models import Conversation, ReportRecord, Unit

ADMIN = "9000"
TOKEN = re.compile(r"/start ([A-Za-z0-9_-]{20,64})")


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def token_after(text: str, label: str) -> str:
    line = next(line for line in text.splitlines() if line.startswith(label))
    return tokens(line)[0]


@dataclass
class County:
    service: Service
    admin: Clerk
    coordinator: Clerk
    clerk: Clerk  # 次营镇: fills
    reviewer: Clerk  # 次营镇: reviews
    other_clerk: Clerk  # 北留镇, same county
    other_coordinator: Clerk  # another county
    far_clerk: Clerk  # a unit of the other county
    stranger: Clerk
    unit_id: int
    other_unit_id: int

    def record(self, unit_id: int | None = None) -> ReportRecord:
        with self.service.repo.transaction() as store:
            return store.session.exec(select(ReportRecord).where(ReportRecord.unit_id == (unit_id or self.unit_id))).one()

    def answers(self, unit_id: int | None = None) -> dict:
        record = self.record(unit_id)
        with self.service.repo.transaction() as store:
            return store.answers(record.id)  # type: ignore[arg-type]

    def prompt_token(self, person: Clerk) -> str:
        """A person's own current button token: what a forger starts from."""
        with self.service.repo.transaction() as store:
            user = store.user(person.channel, person.id)
            conv = store.session.get(Conversation, user.id)
            return conv.prompt_token if conv else ""

    def refusals(self, person: Clerk) -> int:
        with self.service.repo.transaction() as store:
            return len(store.refusals(store.user(person.channel, person.id)))


def person(service: Service, external_id: str, name: str) -> Clerk:
    return Clerk(service, external_id, channel="telegram", name=name)


def add_unit(coordinator: Clerk, name: str) -> tuple[int, str, str]:
    coordinator.say(f"/addunit {name}")
    text = coordinator.texts()
    unit_id = int(re.search(r"编号(\d+)", text).group(1))  # type: ignore[union-attr]
    return unit_id, token_after(text, "填报人："), token_after(text, "审核人：")


def fill_complete(clerk: Clerk, year: int = 2026, name: str = "次营镇人民政府") -> None:
    """A complete, error-free report in one upload."""
    report = zero_report(year, name)
    report.unit["level"] = "township"
    clerk.upload("report.json", report.to_json().encode("utf-8"))
    assert "0个错误" in clerk.texts(), clerk.texts()


def build_county(data_dir: Path) -> County:
    service = make_service(data_dir, admin_ids=frozenset({ADMIN}))
    admin = person(service, ADMIN, "管理员")
    admin.say("/county 阳城县 山西省 晋城市")
    coordinator = person(service, "9001", "县公开办王")
    coordinator.say(f"/start {tokens(admin.texts())[0]}")
    assert "协调人" in coordinator.texts()
    unit_id, clerk_token, reviewer_token = add_unit(coordinator, "次营镇人民政府")
    other_unit_id, other_token, _ = add_unit(coordinator, "北留镇人民政府")

    clerk = person(service, "9101", "李填报")
    clerk.say(f"/start {clerk_token}")
    reviewer = person(service, "9102", "赵审核")
    reviewer.say(f"/start {reviewer_token}")
    other_clerk = person(service, "9201", "孙填报")
    other_clerk.say(f"/start {other_token}")

    admin.say("/county 沁水县 山西省 晋城市")
    other_coordinator = person(service, "9002", "沁水县协调人")
    other_coordinator.say(f"/start {tokens(admin.texts())[0]}")
    _, far_token, _ = add_unit(other_coordinator, "郑庄镇人民政府")
    far_clerk = person(service, "9301", "周填报")
    far_clerk.say(f"/start {far_token}")
    stranger = person(service, "9999", "陌生人")
    stranger.say("/start")
    with service.repo.transaction() as store:
        assert store.session.get(Unit, unit_id).county_id is not None  # type: ignore[union-attr]
    return County(service, admin, coordinator, clerk, reviewer, other_clerk, other_coordinator, far_clerk, stranger, unit_id, other_unit_id)
