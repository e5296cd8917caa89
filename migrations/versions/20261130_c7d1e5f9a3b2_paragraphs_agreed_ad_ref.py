"""paragraphs: agreed ad referendum

Revision ID: c7d1e5f9a3b2
Revises: b4e8a1c3d2f7
Create Date: 2026-11-30 03:50:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = 'c7d1e5f9a3b2'
down_revision: Union[str, None] = 'b4e8a1c3d2f7'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('paragraphs') as batch:
        batch.add_column(sa.Column('ad_ref', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('paragraphs') as batch:
        batch.drop_column('ad_ref')
