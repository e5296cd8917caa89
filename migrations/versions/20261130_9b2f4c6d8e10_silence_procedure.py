"""silences: the silence procedure; drafts may be under silence

Revision ID: 9b2f4c6d8e10
Revises: 7c3d9e1f2a55
Create Date: 2026-11-30 03:35:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '9b2f4c6d8e10'
down_revision: Union[str, None] = '7c3d9e1f2a55'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BEFORE = ('drafting', 'frozen', 'voted')
AFTER = ('drafting', 'under_silence', 'frozen', 'voted')
CHECK = 'ck_drafts_draft_status'


def _statuses(statuses: tuple[str, ...]) -> None:
    condition = "status IN (" + ", ".join(f"'{status}'" for status in statuses) + ")"
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('drafts', recreate='always',
                                  table_args=(sa.CheckConstraint(condition, name=op.f(CHECK)),)) as batch:
            batch.drop_constraint(op.f(CHECK), type_='check')
    else:
        op.drop_constraint(op.f(CHECK), 'drafts', type_='check')
        op.create_check_constraint('draft_status', 'drafts', condition)


def upgrade() -> None:
    _statuses(AFTER)
    op.create_table('silences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('broken_by_id', sa.Integer(), nullable=True),
    sa.Column('broken_by_delegation_id', sa.Integer(), nullable=True),
    sa.Column('broken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paragraphs', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['broken_by_delegation_id'], ['delegations.id'], name=op.f('fk_silences_broken_by_delegation_id_delegations')),
    sa.ForeignKeyConstraint(['broken_by_id'], ['users.id'], name=op.f('fk_silences_broken_by_id_users')),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_silences_draft_id_drafts')),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_silences_started_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_silences'))
    )
    op.create_index(op.f('ix_silences_draft_id'), 'silences', ['draft_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_silences_draft_id'), table_name='silences')
    op.drop_table('silences')
    op.execute("UPDATE drafts SET status = 'drafting' WHERE status = 'under_silence'")
    _statuses(BEFORE)
