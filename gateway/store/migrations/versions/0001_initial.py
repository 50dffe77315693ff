"""Initial schema: files, documents, control numbers, seen interchanges, audit events.

Revision ID: 0001
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('control_numbers',
    sa.Column('partner', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('partner', 'kind')
    )
    op.create_table('events',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('refs', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    op.create_index('ix_events_document', 'events', ['document_id'], unique=False)
    op.create_table('files',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('partner', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=500), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('external_id', sa.String(length=500), nullable=True),
    sa.Column('meta', sa.Text(), server_default='{}', nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('partner', 'channel', 'name', 'sha256', name='uq_files_offer')
    )
    op.create_index('ix_files_external', 'files', ['partner', 'external_id'], unique=False)
    op.create_table('partner_state',
    sa.Column('partner', sa.String(length=200), nullable=False),
    sa.Column('last_poll_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_poll_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_owner', sa.String(length=200), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('partner')
    )
    op.create_table('settings',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('documents',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('flow', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=500), nullable=False),
    sa.Column('partner', sa.String(length=200), nullable=True),
    sa.Column('doc_type', sa.String(length=40), nullable=False),
    sa.Column('standard', sa.String(length=10), nullable=True),
    sa.Column('version', sa.String(length=20), nullable=True),
    sa.Column('transaction_set', sa.String(length=10), nullable=True),
    sa.Column('number', sa.String(length=100), nullable=True),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('answers_id', sa.Integer(), nullable=True),
    sa.Column('interchange_cn', sa.String(length=20), nullable=True),
    sa.Column('group_cn', sa.String(length=20), nullable=True),
    sa.Column('transaction_cn', sa.String(length=40), nullable=True),
    sa.Column('raw_sha256', sa.String(length=64), nullable=True),
    sa.Column('content_sha256', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('dead_from', sa.String(length=20), nullable=True),
    sa.Column('claimed_by', sa.String(length=200), nullable=True),
    sa.Column('claim_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('transport_id', sa.String(length=500), nullable=True),
    sa.Column('mic', sa.String(length=200), nullable=True),
    sa.Column('receipt_status', sa.String(length=24), server_default='none', nullable=False),
    sa.Column('ack_status', sa.String(length=24), server_default='none', nullable=False),
    sa.Column('response_status', sa.String(length=24), server_default='none', nullable=False),
    sa.Column('ack_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('response_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('erp_result', sa.Text(), nullable=True),
    sa.Column('meta', sa.Text(), server_default='{}', nullable=False),
    sa.CheckConstraint("flow IN ('inbound', 'transaction', 'outbound')", name='ck_documents_flow'),
    sa.CheckConstraint("receipt_status IN ('none', 'pending', 'accepted', 'accepted_with_errors', 'accepted_with_changes', 'rejected', 'overdue') AND ack_status IN ('none', 'pending', 'accepted', 'accepted_with_errors', 'accepted_with_changes', 'rejected', 'overdue') AND response_status IN ('none', 'pending', 'accepted', 'accepted_with_errors', 'accepted_with_changes', 'rejected', 'overdue')", name='ck_documents_tracking'),
    sa.CheckConstraint("status IN ('dead', 'delivered', 'extracted', 'pending', 'quarantined', 'received', 'reconciled', 'refused', 'rejected', 'rendered', 'sent', 'superseded', 'translated')", name='ck_documents_status'),
    sa.ForeignKeyConstraint(['answers_id'], ['documents.id'], ),
    sa.ForeignKeyConstraint(['file_id'], ['files.id'], ),
    sa.ForeignKeyConstraint(['parent_id'], ['documents.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key', name='uq_documents_key')
    )
    op.create_index('ix_documents_group', 'documents', ['partner', 'flow', 'group_cn'], unique=False)
    op.create_index('ix_documents_number', 'documents', ['partner', 'number'], unique=False)
    op.create_index('ix_documents_parent', 'documents', ['parent_id'], unique=False)
    op.create_index('ix_documents_partner', 'documents', ['partner', 'flow', 'created_at'], unique=False)
    op.create_index('ix_documents_runnable', 'documents', ['status', 'next_attempt_at'], unique=False)
    op.create_table('seen_interchanges',
    sa.Column('standard', sa.String(length=10), nullable=False),
    sa.Column('sender_qualifier', sa.String(length=10), nullable=False),
    sa.Column('sender_id', sa.String(length=40), nullable=False),
    sa.Column('control_number', sa.String(length=20), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.PrimaryKeyConstraint('standard', 'sender_qualifier', 'sender_id', 'control_number')
    )


def downgrade() -> None:
    op.drop_table('seen_interchanges')
    op.drop_table('documents')
    op.drop_table('settings')
    op.drop_table('partner_state')
    op.drop_table('files')
    op.drop_table('events')
    op.drop_table('audit_head')
    op.drop_table('control_numbers')
