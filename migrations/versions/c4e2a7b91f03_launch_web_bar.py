"""launch web_bar: whether the webview draws its own top bar (hidden when the host app's header is enough)

Revision ID: c4e2a7b91f03
Revises: a17c3e5d9b21
Create Date: 2026-11-30 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e2a7b91f03'
down_revision = 'a17c3e5d9b21'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('launch_token', 'launch_session'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('web_bar', sa.String(length=8), server_default='show', nullable=False))


def downgrade():
    for table in ('launch_session', 'launch_token'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('web_bar')
