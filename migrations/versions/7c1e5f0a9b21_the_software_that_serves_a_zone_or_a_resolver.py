"""the software that serves a zone or a resolver

Revision ID: 7c1e5f0a9b21
Revises: 0c86ef9dae86
Create Date: 2026-12-01 18:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1e5f0a9b21'
down_revision = '0c86ef9dae86'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('zone', schema=None) as batch_op:
        batch_op.add_column(sa.Column('software', sa.String(length=32), nullable=True))
    with op.batch_alter_table('resolver', schema=None) as batch_op:
        batch_op.add_column(sa.Column('software', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('resolver', schema=None) as batch_op:
        batch_op.drop_column('software')
    with op.batch_alter_table('zone', schema=None) as batch_op:
        batch_op.drop_column('software')
