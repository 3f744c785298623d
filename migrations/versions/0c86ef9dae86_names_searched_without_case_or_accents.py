"""Names searched without case or accents

Revision ID: 0c86ef9dae86
Revises: 42065386b2c5
Create Date: 2026-12-01 18:35:41.254496

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0c86ef9dae86'
down_revision = '42065386b2c5'
branch_labels = None
depends_on = None


def _search_text(name: str) -> str:
    # kindns.text.search_text as it was when this migration was written: a migration must not change with
    # the code.
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    folded = unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))
    return " ".join(folded.split())


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_name', sa.String(length=400), server_default='', nullable=False))
    organisation = sa.table('organisation', sa.column('id', sa.Integer), sa.column('name', sa.String),
                            sa.column('search_name', sa.String))
    for id_, name in bind.execute(sa.select(organisation.c.id, organisation.c.name)).all():
        bind.execute(organisation.update().where(organisation.c.id == id_)
                     .values(search_name=_search_text(name or "")))
    if bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index('ix_organisation_search_name', 'organisation', ['search_name'], unique=False,
                    postgresql_using='gin', postgresql_ops={'search_name': 'gin_trgm_ops'})


def downgrade():
    op.drop_index('ix_organisation_search_name', table_name='organisation', postgresql_using='gin')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('search_name')
