"""Baseline: the tables as the last release before migrations made them, and the adoption of such a database.

A database without Alembic's version table was made by an earlier release (`create_all`, then the old
in-place upgrader). Its tables are kept with every row and brought to these definitions (bot/storage/migrations/legacy.py),
a missing required column filled with the defaults below.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from bot.storage.migrations.legacy import adopt

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

META = sa.MetaData()
sa.Table('inbox_update', META,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', AutoString(length=16), nullable=False),
    sa.Column('update_id', sa.Integer(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('received_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'update_id')
)
sa.Table('user', META,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', AutoString(length=16), nullable=False),
    sa.Column('external_id', AutoString(length=64), nullable=False),
    sa.Column('display_name', AutoString(length=256), nullable=False),
    sa.Column('chat_id', AutoString(length=64), nullable=False),
    sa.Column('reminders_on', sa.Boolean(), nullable=False),
    sa.Column('blocked', sa.Boolean(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'external_id')
)
sa.Table('county', META,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', AutoString(length=32), nullable=False),
    sa.Column('province', AutoString(length=32), nullable=False),
    sa.Column('city', AutoString(length=32), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['user.id']),
    sa.PrimaryKeyConstraint('id')
)
sa.Table('deadline', META,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', AutoString(length=16), nullable=False),
    sa.Column('scope_key', AutoString(length=128), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('set_by', sa.Integer(), nullable=True),
    sa.Column('set_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['set_by'], ['user.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scope', 'scope_key', 'year')
)
sa.Table('refusal', META,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', AutoString(length=32), nullable=False),
    sa.Column('target', AutoString(length=64), nullable=False),
    sa.Column('reason', AutoString(length=255), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id']),
    sa.PrimaryKeyConstraint('id')
)
sa.Index('ix_refusal_user_id', META.tables['refusal'].c['user_id'], unique=False)
sa.Table('webaccount', META,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', AutoString(length=64), nullable=False),
    sa.Column('password_hash', AutoString(length=128), nullable=False),
    sa.Column('salt', AutoString(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('operator', sa.Boolean(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id']),
    sa.PrimaryKeyConstraint('id')
)
sa.Index('ix_webaccount_login', META.tables['webaccount'].c['login'], unique=True)
sa.Index('ix_webaccount_user_id', META.tables['webaccount'].c['user_id'], unique=False)
sa.Table('coordinator', META,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['county_id'], ['county.id']),
    sa.ForeignKeyConstraint(['user_id'], ['user.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'county_id')
)
sa.Index('ix_coordinator_county_id', META.tables['coordinator'].c['county_id'], unique=False)
sa.Index('ix_coordinator_user_id', META.tables['coordinator'].c['user_id'], unique=False)
sa.Table('unit', META,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', AutoString(length=128), nullable=False),
    sa.Column('level', AutoString(length=32), nullable=False),
    sa.Column('province', AutoString(length=32), nullable=False),
    sa.Column('city', AutoString(length=32), nullable=False),
    sa.Column('county', AutoString(length=32), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['county_id'], ['county.id']),
    sa.PrimaryKeyConstraint('id')
)
sa.Index('ix_unit_county_id', META.tables['unit'].c['county_id'], unique=False)
sa.Table('websession', META,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', AutoString(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('csrf', AutoString(length=64), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('expires_at', UTCDateTime(), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['webaccount.id']),
    sa.PrimaryKeyConstraint('id')
)
sa.Index('ix_websession_account_id', META.tables['websession'].c['account_id'], unique=False)
sa.Index('ix_websession_token_hash', META.tables['websession'].c['token_hash'], unique=True)
sa.Table('webtoken', META,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', AutoString(length=64), nullable=False),
    sa.Column('kind', AutoString(length=16), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('expires_at', UTCDateTime(), nullable=False),
    sa.Column('used_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['webaccount.id']),
    sa.PrimaryKeyConstraint('id')
)
sa.Index('ix_webtoken_token_hash', META.tables['webtoken'].c['token_hash'], unique=True)
sa.Table('invite', META,
    sa.Column('token', AutoString(length=64), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('county_id', sa.Integer(), nullable=True),
    sa.Column('role', AutoString(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('expires_at', UTCDateTime(), nullable=False),
    sa.Column('max_uses', sa.Integer(), nullable=False),
    sa.Column('uses', sa.Integer(), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['county_id'], ['county.id']),
    sa.ForeignKeyConstraint(['created_by'], ['user.id']),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
    sa.PrimaryKeyConstraint('token')
)
sa.Index('ix_invite_county_id', META.tables['invite'].c['county_id'], unique=False)
sa.Index('ix_invite_unit_id', META.tables['invite'].c['unit_id'], unique=False)
sa.Table('member', META,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('role', AutoString(length=16), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
    sa.ForeignKeyConstraint(['user_id'], ['user.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'unit_id')
)
sa.Index('ix_member_unit_id', META.tables['member'].c['unit_id'], unique=False)
sa.Index('ix_member_user_id', META.tables['member'].c['user_id'], unique=False)
sa.Table('report', META,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('profile', AutoString(length=32), nullable=False),
    sa.Column('format_id', AutoString(length=32), nullable=False),
    sa.Column('status', AutoString(length=16), nullable=False),
    sa.Column('source', AutoString(length=16), nullable=False),
    sa.Column('open_comments', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_id', 'year')
)
sa.Index('ix_report_unit_id', META.tables['report'].c['unit_id'], unique=False)
sa.Table('answer', META,
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('key', AutoString(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id']),
    sa.ForeignKeyConstraint(['report_id'], ['report.id']),
    sa.PrimaryKeyConstraint('report_id', 'key')
)
sa.Table('application', META,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('applicant', AutoString(length=16), nullable=False),
    sa.Column('arrival', AutoString(length=16), nullable=False),
    sa.Column('result', AutoString(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['user.id']),
    sa.ForeignKeyConstraint(['report_id'], ['report.id']),
    sa.PrimaryKeyConstraint('id')
)
sa.Index('ix_application_report_id', META.tables['application'].c['report_id'], unique=False)
sa.Table('audit_log', META,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('key', AutoString(length=64), nullable=False),
    sa.Column('old', sa.Text(), nullable=True),
    sa.Column('new', sa.Text(), nullable=True),
    sa.Column('action', AutoString(length=32), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['report.id']),
    sa.ForeignKeyConstraint(['user_id'], ['user.id']),
    sa.PrimaryKeyConstraint('id')
)
sa.Index('ix_audit_log_report_id', META.tables['audit_log'].c['report_id'], unique=False)
sa.Table('comment', META,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('target', AutoString(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('resolved_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user.id']),
    sa.ForeignKeyConstraint(['report_id'], ['report.id']),
    sa.PrimaryKeyConstraint('id')
)
sa.Index('ix_comment_report_id', META.tables['comment'].c['report_id'], unique=False)
sa.Table('conversation', META,
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('step', AutoString(length=64), nullable=False),
    sa.Column('state', sa.Text(), nullable=False),
    sa.Column('prompt_token', AutoString(length=16), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['report.id']),
    sa.ForeignKeyConstraint(['user_id'], ['user.id']),
    sa.PrimaryKeyConstraint('user_id')
)
sa.Table('document', META,
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('filename', AutoString(length=255), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('made_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['report.id']),
    sa.PrimaryKeyConstraint('report_id')
)
sa.Table('reminder', META,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('kind', AutoString(length=16), nullable=False),
    sa.Column('due_at', UTCDateTime(), nullable=False),
    sa.Column('target', sa.Date(), nullable=False),
    sa.Column('state', AutoString(length=16), nullable=False),
    sa.Column('reason', AutoString(length=255), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['report.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('report_id', 'kind')
)
sa.Index('ix_reminder_due_at', META.tables['reminder'].c['due_at'], unique=False)
sa.Index('ix_reminder_report_id', META.tables['reminder'].c['report_id'], unique=False)
sa.Index('ix_reminder_state', META.tables['reminder'].c['state'], unique=False)
sa.Table('delivery', META,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reminder_id', sa.Integer(), nullable=True),
    sa.Column('kind', AutoString(length=16), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', AutoString(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('state', AutoString(length=16), nullable=False),
    sa.Column('not_before', UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['reminder_id'], ['reminder.id']),
    sa.ForeignKeyConstraint(['report_id'], ['report.id']),
    sa.ForeignKeyConstraint(['user_id'], ['user.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reminder_id', 'user_id')
)
sa.Index('ix_delivery_reminder_id', META.tables['delivery'].c['reminder_id'], unique=False)
sa.Index('ix_delivery_report_id', META.tables['delivery'].c['report_id'], unique=False)
sa.Index('ix_delivery_state', META.tables['delivery'].c['state'], unique=False)

# The value a row of an earlier release gets for a required column that release did not have.
DEFAULTS: dict[str, dict[str, Any]] = {
    "user": {"display_name": "", "chat_id": "", "reminders_on": True, "blocked": False},
    "county": {"province": "", "city": ""},
    "refusal": {"target": "", "reason": ""},
    "webaccount": {"operator": False},
    "unit": {"level": "township", "province": "", "city": "", "county": ""},
    "websession": {"revoked": False},
    "invite": {"role": "clerk", "max_uses": 1, "uses": 0, "revoked": False},
    "member": {"role": "clerk"},
    "report": {"profile": "national", "format_id": "gov-2021", "status": "draft", "source": "interview", "open_comments": 0},
    "audit_log": {"action": "answer"},
    "conversation": {"step": "", "prompt_token": "", "last_seq": 0},
    "reminder": {"state": "planned", "reason": ""},
    "delivery": {"kind": "reminder", "state": "pending", "attempts": 0},
}


def upgrade() -> None:
    bind = op.get_bind()
    existing = set(sa.inspect(bind).get_table_names())
    for table in META.sorted_tables:
        if table.name in existing:
            adopt(bind, table, DEFAULTS)
        else:
            table.create(bind)


def downgrade() -> None:
    for table in reversed(META.sorted_tables):
        op.drop_table(table.name)
