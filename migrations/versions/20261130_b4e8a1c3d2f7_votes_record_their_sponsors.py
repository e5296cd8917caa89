"""votes: the draft's sponsors when the vote was opened

Revision ID: b4e8a1c3d2f7
Revises: 9b2f4c6d8e10
Create Date: 2026-11-30 03:42:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = 'b4e8a1c3d2f7'
down_revision: Union[str, None] = '9b2f4c6d8e10'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('votes') as batch:
        batch.add_column(sa.Column('sponsors', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('votes') as batch:
        batch.drop_column('sponsors')
