"""stored standings of participants and the latest run of each target

Each target's latest finished run is marked here; the standings are stored by the worker when it starts
(and every hour), or by `flask kindns refresh-standings`.

Revision ID: a40795912187
Revises: 7c1e5f0a9b21
Create Date: 2026-12-01 18:37:06.823597

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a40795912187'
down_revision = '7c1e5f0a9b21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('conformance_summary',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failing', sa.Integer(), server_default='0', nullable=False),
    sa.Column('unmeasured', sa.Integer(), server_default='0', nullable=False),
    sa.Column('unchecked', sa.Integer(), server_default='0', nullable=False),
    sa.Column('zones_checked', sa.Integer(), server_default='0', nullable=False),
    sa.Column('zones_signed', sa.Integer(), server_default='0', nullable=False),
    sa.Column('checks_judged', sa.Integer(), server_default='0', nullable=False),
    sa.Column('checks_passing', sa.Integer(), server_default='0', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_conformance_summary_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_conformance_summary'))
    )
    with op.batch_alter_table('check_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_latest', sa.Boolean(), server_default='0', nullable=False))
        batch_op.create_index('ix_check_run_latest', ['organisation_id', 'is_latest'], unique=False)
    op.execute(
        "UPDATE check_run SET is_latest = TRUE WHERE id IN ("
        "SELECT MAX(id) FROM check_run WHERE status = 'done' GROUP BY zone_id, resolver_id)"
    )


def downgrade():
    with op.batch_alter_table('check_run', schema=None) as batch_op:
        batch_op.drop_index('ix_check_run_latest')
        batch_op.drop_column('is_latest')
    op.drop_table('conformance_summary')
