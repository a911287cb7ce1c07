"""message log: the signed input is kept masked with its sha256; signature values are dropped

The stored `canonical` was base64url of the raw signed input, so it carried request bodies unmasked (phones,
emails); it cannot be masked in place here, so existing values are cleared. Stored X-Signature header values are
redacted. New rows keep the decoded, masked form and `canonical_sha256` (webview.messagelog.services).

Revision ID: 182ee883d02e
Revises: 098082f8f45d
Create Date: 2026-11-30 09:39:45.342831

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '182ee883d02e'
down_revision = '098082f8f45d'
branch_labels = None
depends_on = None

REDACTED = "[redacted]"
partner_message = sa.table(
    "partner_message",
    sa.column("id", sa.Integer),
    sa.column("request_headers", sa.JSON),
    sa.column("canonical", sa.Text),
)


def upgrade():
    with op.batch_alter_table('partner_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('canonical_sha256', sa.String(length=64), nullable=False, server_default=""))

    connection = op.get_bind()
    connection.execute(partner_message.update().values(canonical=""))
    signed = sa.select(partner_message.c.id, partner_message.c.request_headers).where(
        sa.cast(partner_message.c.request_headers, sa.Text).ilike("%x-signature%"))
    for row_id, headers in connection.execute(signed).all():
        kept = {name: REDACTED if name.lower() == "x-signature" else value for name, value in (headers or {}).items()}
        connection.execute(partner_message.update().where(partner_message.c.id == row_id)
                           .values(request_headers=kept))


def downgrade():
    with op.batch_alter_table('partner_message', schema=None) as batch_op:
        batch_op.drop_column('canonical_sha256')
