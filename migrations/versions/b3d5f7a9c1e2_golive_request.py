"""go-live requests (a sandbox partner's request for production, the operator's decision, the production twin) and
the portal's certification case runs and refund requests

Revision ID: b3d5f7a9c1e2
Revises: 96d6f09f7b10
Create Date: 2026-11-30 13:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3d5f7a9c1e2'
down_revision = '96d6f09f7b10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('golive_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sandbox_partner_id', sa.Integer(), nullable=False),
    sa.Column('production_partner_id', sa.Integer(), nullable=True),
    sa.Column('open_key', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('production_code', sa.String(length=40), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('checklist', sa.JSON(), nullable=False),
    sa.Column('requested_by', sa.String(length=254), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by', sa.String(length=254), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('revealed_by', sa.String(length=254), nullable=True),
    sa.Column('revealed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['production_partner_id'], ['partner.id'], name=op.f('fk_golive_request_production_partner_id_partner'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sandbox_partner_id'], ['partner.id'], name=op.f('fk_golive_request_sandbox_partner_id_partner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_golive_request')),
    sa.UniqueConstraint('open_key', name=op.f('uq_golive_request_open_key'))
    )
    with op.batch_alter_table('golive_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_golive_request_sandbox_partner_id'), ['sandbox_partner_id'], unique=False)

    op.create_table('portal_case_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.String(length=254), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('wait_s', sa.Integer(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_portal_case_run_partner_id_partner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_case_run'))
    )
    with op.batch_alter_table('portal_case_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_case_run_partner_id'), ['partner_id'], unique=False)

    op.create_table('portal_refund_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('requested_by', sa.String(length=254), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by', sa.String(length=254), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('refund_request_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_portal_refund_request_booking_id_booking'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_portal_refund_request_partner_id_partner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_refund_request'))
    )
    with op.batch_alter_table('portal_refund_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_refund_request_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_refund_request_partner_id'), ['partner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('portal_refund_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_refund_request_partner_id'))
        batch_op.drop_index(batch_op.f('ix_portal_refund_request_booking_id'))
    op.drop_table('portal_refund_request')
    with op.batch_alter_table('portal_case_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_case_run_partner_id'))
    op.drop_table('portal_case_run')
    with op.batch_alter_table('golive_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_golive_request_sandbox_partner_id'))
    op.drop_table('golive_request')
