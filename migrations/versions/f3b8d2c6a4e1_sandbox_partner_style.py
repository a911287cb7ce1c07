"""sandbox partners' own record of the integration style they speak, and the named secrets issued with it

Revision ID: f3b8d2c6a4e1
Revises: e7a1c9d3b5f2
Create Date: 2026-11-30 13:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3b8d2c6a4e1'
down_revision = 'e7a1c9d3b5f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sandbox_partner_style',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('secrets_sealed', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sandbox_partner_style')),
    sa.UniqueConstraint('partner_code', name=op.f('uq_sandbox_partner_style_partner_code'))
    )


def downgrade():
    op.drop_table('sandbox_partner_style')
