"""message log: the request id of each exchange (X-Request-Id, webview.core.requestid)

Revision ID: 7141c279b773
Revises: d5277fc2c3dd
Create Date: 2026-11-30 10:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7141c279b773'
down_revision = 'd5277fc2c3dd'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('partner_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=128), nullable=True))
        batch_op.create_index(batch_op.f('ix_partner_message_request_id'), ['request_id'], unique=False)


def downgrade():
    with op.batch_alter_table('partner_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_message_request_id'))
        batch_op.drop_column('request_id')
