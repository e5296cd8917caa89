"""history_snapshots: a draft's tracked history at one point, so that a long log is not replayed from its
first change after a restart

Revision ID: 7c3d9e1f2a55
Revises: 5a1e2c7d9b40
Create Date: 2026-11-30 02:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '7c3d9e1f2a55'
down_revision: Union[str, None] = '5a1e2c7d9b40'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('history_snapshots',
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('generation', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('state', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_history_snapshots_draft_id_drafts')),
    sa.PrimaryKeyConstraint('draft_id', name=op.f('pk_history_snapshots'))
    )


def downgrade() -> None:
    op.drop_table('history_snapshots')
