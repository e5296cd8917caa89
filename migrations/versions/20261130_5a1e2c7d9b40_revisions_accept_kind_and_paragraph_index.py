"""revisions: the penholder's acceptances join the log (kind 'accept'); an index for a paragraph's text at any
point (the history slider, a change made on an old version)

Revision ID: 5a1e2c7d9b40
Revises: 289900bcb085
Create Date: 2026-11-30 03:05:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '5a1e2c7d9b40'
down_revision: Union[str, None] = '289900bcb085'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BEFORE = ('create', 'edit', 'insert', 'delete', 'move', 'level', 'reject')
AFTER = BEFORE + ('accept',)
CHECK = 'ck_revisions_revision_kind'


def _kinds(kinds: tuple[str, ...]) -> None:
    condition = "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite cannot alter a CHECK constraint: the table is copied with the new one, rows and indexes kept.
        with op.batch_alter_table('revisions', recreate='always',
                                  table_args=(sa.CheckConstraint(condition, name=op.f(CHECK)),)) as batch:
            batch.drop_constraint(op.f(CHECK), type_='check')
    else:
        op.drop_constraint(op.f(CHECK), 'revisions', type_='check')
        op.create_check_constraint('revision_kind', 'revisions', condition)


def upgrade() -> None:
    _kinds(AFTER)
    op.create_index('ix_revisions_paragraph_seq', 'revisions', ['draft_id', 'paragraph_uid', 'seq'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_revisions_paragraph_seq', table_name='revisions')
    op.execute("DELETE FROM revisions WHERE kind = 'accept'")
    _kinds(BEFORE)
