"""partner integration styles: versioned style documents and the named secrets they sign with

Revision ID: e7a1c9d3b5f2
Revises: b3d5f7a9c1e2
Create Date: 2026-11-30 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a1c9d3b5f2'
down_revision = 'b3d5f7a9c1e2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('partner_style',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_partner_style_partner_id_partner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_style')),
    sa.UniqueConstraint('partner_id', 'version', name=op.f('uq_partner_style_partner_id_version'))
    )
    with op.batch_alter_table('partner_style', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_style_partner_id'), ['partner_id'], unique=False)

    op.create_table('partner_style_secret',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('secret_sealed', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_partner_style_secret_partner_id_partner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_style_secret')),
    sa.UniqueConstraint('partner_id', 'name', name=op.f('uq_partner_style_secret_partner_id_name'))
    )
    with op.batch_alter_table('partner_style_secret', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_style_secret_partner_id'), ['partner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('partner_style_secret', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_style_secret_partner_id'))
    op.drop_table('partner_style_secret')
    with op.batch_alter_table('partner_style', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_style_partner_id'))
    op.drop_table('partner_style')
