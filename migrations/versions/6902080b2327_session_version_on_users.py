"""session version on users

Revision ID: 6902080b2327
Revises: 5389df9301cb
Create Date: 2026-12-01 15:27:40.340582

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6902080b2327'
down_revision = '5389df9301cb'
branch_labels = None
depends_on = None


def upgrade():
    # Sessions now carry "<id>:<version>"; those opened before (a bare id) are refused, so everyone logs in
    # once more after this upgrade.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_version')
