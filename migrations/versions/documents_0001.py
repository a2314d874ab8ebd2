"""documents: files by content hash, attachments, library of governance documents and versions

Revision ID: documents_0001
Revises: 0001_platform
"""
import sqlalchemy as sa
from alembic import op

import api.db

revision = "documents_0001"
down_revision = "0001_platform"
branch_labels = ('documents',)
depends_on = ('decisions_0001',)


def upgrade() -> None:
    op.create_table('document_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('mime', sa.String(length=100), nullable=False),
    sa.Column('created_at', api.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_file')),
    sa.UniqueConstraint('sha256', name=op.f('uq_document_file_sha256'))
    )

    op.create_table('document_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', api.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['document_file.id'], name=op.f('fk_document_attachment_file_id_document_file')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['person.id'], name=op.f('fk_document_attachment_uploaded_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_attachment'))
    )

    with op.batch_alter_table('document_attachment', schema=None) as batch_op:
        batch_op.create_index('ix_document_attachment_object', ['object_type', 'object_id'], unique=False)

    op.create_table('document_library',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', api.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_document_library_created_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_library'))
    )

    op.create_table('document_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('adopted_on', sa.Date(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', api.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_document_version_decision_id_decision')),
    sa.ForeignKeyConstraint(['document_id'], ['document_library.id'], name=op.f('fk_document_version_document_id_document_library'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['file_id'], ['document_file.id'], name=op.f('fk_document_version_file_id_document_file')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['person.id'], name=op.f('fk_document_version_uploaded_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_version')),
    sa.UniqueConstraint('document_id', 'number', name=op.f('uq_document_version_document_id_number'))
    )

    with op.batch_alter_table('document_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_version_decision_id'), ['decision_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_version_document_id'), ['document_id'], unique=False)


def downgrade() -> None:
    op.drop_table('document_version')
    op.drop_table('document_attachment')
    op.drop_table('document_library')
    op.drop_table('document_file')
