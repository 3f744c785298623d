"""compacted runs keep their verdicts as letters

Revision ID: cd2d8684892f
Revises: e961ef843298
Create Date: 2026-12-01 19:07:11.879639

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'cd2d8684892f'
down_revision = 'e961ef843298'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('check_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_ids', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_list')),
    sa.UniqueConstraint('check_ids', name=op.f('uq_check_list_check_ids'))
    )
    with op.batch_alter_table('check_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verdicts', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('check_list_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_check_run_check_list_id_check_list'), 'check_list',
                                    ['check_list_id'], ['id'])


def downgrade():
    with op.batch_alter_table('check_run', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_check_run_check_list_id_check_list'), type_='foreignkey')
        batch_op.drop_column('check_list_id')
        batch_op.drop_column('verdicts')
    op.drop_table('check_list')
