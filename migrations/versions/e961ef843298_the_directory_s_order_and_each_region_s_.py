"""the directory's order and each region's champions read from indexes

Revision ID: e961ef843298
Revises: a40795912187
Create Date: 2026-12-01 18:43:41.488103

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e961ef843298'
down_revision = 'a40795912187'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index('ix_organisation_directory', ['status', 'search_name', 'id'], unique=False)
        batch_op.create_index('ix_organisation_champions', ['is_champion', 'region', 'search_name', 'id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index('ix_organisation_champions')
        batch_op.drop_index('ix_organisation_directory')
