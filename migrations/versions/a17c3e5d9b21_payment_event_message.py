"""payment event message: the partner's words with a status (the decline reason the customer is shown)

Revision ID: a17c3e5d9b21
Revises: fef5078a306d
Create Date: 2026-11-30 12:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a17c3e5d9b21'
down_revision = 'fef5078a306d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payment_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('payment_event', schema=None) as batch_op:
        batch_op.drop_column('message')
