"""Initial schema: accounts, Tech Ops, services and changes, tickets, documents, runs, evidence, evals.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 18:11:54.606384
"""

from __future__ import annotations

import pgvector.sqlalchemy
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


APPEND_ONLY_FN = '''
CREATE OR REPLACE FUNCTION opsgraph_append_only() RETURNS trigger AS $$
BEGIN
    -- Purging a whole organisation (opsgraph seed --reset) is the one sanctioned delete.
    IF TG_OP = 'DELETE' AND current_setting('opsgraph.allow_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
'''


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table('orgs',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('slack_team_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("slug ~ '^[a-z0-9][a-z0-9_-]*$'", name=op.f('ck_orgs_slug_format')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orgs')),
    sa.UniqueConstraint('slack_team_id', name=op.f('uq_orgs_slack_team_id')),
    sa.UniqueConstraint('slug', name=op.f('uq_orgs_slug'))
    )
    op.create_table('documents',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('external_id', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('service', sa.String(length=100), nullable=True),
    sa.Column('tags', postgresql.ARRAY(sa.Text()), server_default='{}', nullable=False),
    sa.Column('embedding', pgvector.sqlalchemy.vector.VECTOR(dim=384), nullable=True),
    sa.Column('tsv', postgresql.TSVECTOR(), sa.Computed("to_tsvector('english', coalesce(title, '') || ' ' || coalesce(body, ''))", persisted=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('runbook', 'incident_summary')", name=op.f('ck_documents_kind')),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_documents_org_id_orgs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('org_id', 'kind', 'external_id', name=op.f('uq_documents_org_id'))
    )
    op.create_index('ix_documents_embedding_hnsw', 'documents', ['embedding'], unique=False, postgresql_using='hnsw', postgresql_with={'m': 16, 'ef_construction': 128}, postgresql_ops={'embedding': 'vector_cosine_ops'})
    op.create_index(op.f('ix_documents_org_id'), 'documents', ['org_id'], unique=False)
    op.create_index('ix_documents_tsv', 'documents', ['tsv'], unique=False, postgresql_using='gin')
    op.create_table('eval_runs',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('suite', sa.String(length=100), nullable=True),
    sa.Column('tags', postgresql.ARRAY(sa.Text()), server_default='{}', nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('model', sa.String(length=100), nullable=True),
    sa.Column('code_version', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='running', nullable=False),
    sa.Column('n_cases', sa.Integer(), server_default='0', nullable=False),
    sa.Column('pass_rate', sa.Float(), nullable=True),
    sa.Column('p50_latency_ms', sa.Float(), nullable=True),
    sa.Column('p95_latency_ms', sa.Float(), nullable=True),
    sa.Column('prompt_tokens', sa.Integer(), server_default='0', nullable=False),
    sa.Column('completion_tokens', sa.Integer(), server_default='0', nullable=False),
    sa.Column('cost_usd', sa.Float(), server_default='0', nullable=False),
    sa.Column('report_markdown', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('running', 'completed', 'failed')", name=op.f('ck_eval_runs_status')),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_eval_runs_org_id_orgs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eval_runs'))
    )
    op.create_index(op.f('ix_eval_runs_org_id'), 'eval_runs', ['org_id'], unique=False)
    op.create_table('kpi_definitions',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('aliases', postgresql.ARRAY(sa.Text()), server_default='{}', nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('aggregation', sa.String(length=8), nullable=False),
    sa.Column('goal', sa.Float(), nullable=True),
    sa.Column('upper_limit', sa.Float(), nullable=True),
    sa.Column('lower_limit', sa.Float(), nullable=True),
    sa.Column('decimals', sa.SmallInteger(), server_default='2', nullable=False),
    sa.Column('higher_is_better', sa.Boolean(), nullable=False),
    sa.Column('related_services', postgresql.ARRAY(sa.Text()), server_default='{}', nullable=False),
    sa.CheckConstraint("aggregation IN ('mean', 'sum')", name=op.f('ck_kpi_definitions_aggregation')),
    sa.CheckConstraint('decimals BETWEEN 0 AND 6', name=op.f('ck_kpi_definitions_decimals')),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_kpi_definitions_org_id_orgs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_definitions')),
    sa.UniqueConstraint('org_id', 'code', name=op.f('uq_kpi_definitions_org_id'))
    )
    op.create_index(op.f('ix_kpi_definitions_org_id'), 'kpi_definitions', ['org_id'], unique=False)
    op.create_table('regions',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_regions_org_id_orgs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_regions')),
    sa.UniqueConstraint('org_id', 'code', name=op.f('uq_regions_org_id'))
    )
    op.create_index(op.f('ix_regions_org_id'), 'regions', ['org_id'], unique=False)
    op.create_table('services',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('team', sa.String(length=100), nullable=True),
    sa.Column('tier', sa.SmallInteger(), server_default='2', nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_services_org_id_orgs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_services')),
    sa.UniqueConstraint('org_id', 'name', name=op.f('uq_services_org_id'))
    )
    op.create_index(op.f('ix_services_org_id'), 'services', ['org_id'], unique=False)
    op.create_table('tickets',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('product', sa.String(length=16), nullable=True),
    sa.Column('urgency', sa.String(length=16), nullable=True),
    sa.Column('priority', sa.String(length=16), server_default='medium', nullable=False),
    sa.Column('customer', sa.String(length=200), nullable=True),
    sa.Column('customer_tier', sa.String(length=16), server_default='standard', nullable=False),
    sa.Column('status', sa.String(length=16), server_default='new', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status_history', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('embedding', pgvector.sqlalchemy.vector.VECTOR(dim=384), nullable=True),
    sa.CheckConstraint("customer_tier IN ('enterprise', 'business', 'standard', 'free')", name=op.f('ck_tickets_customer_tier')),
    sa.CheckConstraint("priority IN ('critical', 'high', 'medium', 'low')", name=op.f('ck_tickets_priority')),
    sa.CheckConstraint("product IS NULL OR product IN ('CASB', 'SWG', 'ZTNA', 'DLP', 'SSPM', 'CFW', 'GENERAL')", name=op.f('ck_tickets_product')),
    sa.CheckConstraint("status IN ('new', 'open', 'pending', 'resolved', 'closed')", name=op.f('ck_tickets_status')),
    sa.CheckConstraint("urgency IS NULL OR urgency IN ('critical', 'high', 'medium', 'low')", name=op.f('ck_tickets_urgency')),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_tickets_org_id_orgs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('org_id', 'external_id', name=op.f('uq_tickets_org_id'))
    )
    op.create_index('ix_tickets_embedding_hnsw', 'tickets', ['embedding'], unique=False, postgresql_using='hnsw', postgresql_with={'m': 16, 'ef_construction': 128}, postgresql_ops={'embedding': 'vector_cosine_ops'})
    op.create_index('ix_tickets_org_created', 'tickets', ['org_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_tickets_org_id'), 'tickets', ['org_id'], unique=False)
    op.create_table('users',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('slack_user_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_users_org_id_orgs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('org_id', 'email', name=op.f('uq_users_org_id'))
    )
    op.create_index(op.f('ix_users_org_id'), 'users', ['org_id'], unique=False)
    op.create_table('api_keys',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('viewer', 'member', 'admin')", name=op.f('ck_api_keys_role')),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_api_keys_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_keys_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    op.create_index(op.f('ix_api_keys_org_id'), 'api_keys', ['org_id'], unique=False)
    op.create_table('commits',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('service_id', sa.BigInteger(), nullable=False),
    sa.Column('sha', sa.String(length=64), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=True),
    sa.Column('committed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pr_number', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_commits_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_commits_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commits')),
    sa.UniqueConstraint('org_id', 'sha', name=op.f('uq_commits_org_id'))
    )
    op.create_index(op.f('ix_commits_org_id'), 'commits', ['org_id'], unique=False)
    op.create_index(op.f('ix_commits_service_id'), 'commits', ['service_id'], unique=False)
    op.create_table('config_changes',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('external_id', sa.String(length=100), nullable=False),
    sa.Column('service_id', sa.BigInteger(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('is_secret', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.String(length=200), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_config_changes_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_config_changes_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_config_changes')),
    sa.UniqueConstraint('org_id', 'external_id', name=op.f('uq_config_changes_org_id'))
    )
    op.create_index(op.f('ix_config_changes_org_id'), 'config_changes', ['org_id'], unique=False)
    op.create_index('ix_config_changes_service_changed', 'config_changes', ['service_id', 'changed_at'], unique=False)
    op.create_table('deployments',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('external_id', sa.String(length=100), nullable=False),
    sa.Column('service_id', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.String(length=100), nullable=False),
    sa.Column('environment', sa.String(length=32), server_default='production', nullable=False),
    sa.Column('status', sa.String(length=16), server_default='succeeded', nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deployed_by', sa.String(length=200), nullable=True),
    sa.Column('commit_from_sha', sa.String(length=64), nullable=True),
    sa.Column('commit_to_sha', sa.String(length=64), nullable=True),
    sa.Column('is_rollback', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('rollback_of_id', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("status IN ('succeeded', 'failed', 'rolled_back', 'in_progress')", name=op.f('ck_deployments_status')),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_deployments_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rollback_of_id'], ['deployments.id'], name=op.f('fk_deployments_rollback_of_id_deployments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_deployments_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deployments')),
    sa.UniqueConstraint('org_id', 'external_id', name=op.f('uq_deployments_org_id'))
    )
    op.create_index(op.f('ix_deployments_org_id'), 'deployments', ['org_id'], unique=False)
    op.create_index('ix_deployments_service_started', 'deployments', ['service_id', 'started_at'], unique=False)
    op.create_table('incidents',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('service_id', sa.BigInteger(), nullable=True),
    sa.Column('severity', sa.String(length=8), server_default='sev3', nullable=False),
    sa.Column('status', sa.String(length=16), server_default='resolved', nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.CheckConstraint("severity IN ('sev1', 'sev2', 'sev3', 'sev4')", name=op.f('ck_incidents_severity')),
    sa.CheckConstraint("status IN ('open', 'mitigated', 'resolved')", name=op.f('ck_incidents_status')),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_incidents_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_incidents_service_id_services'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents')),
    sa.UniqueConstraint('org_id', 'external_id', name=op.f('uq_incidents_org_id'))
    )
    op.create_index(op.f('ix_incidents_org_id'), 'incidents', ['org_id'], unique=False)
    op.create_table('metric_points',
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('service_id', sa.BigInteger(), nullable=False),
    sa.Column('metric', sa.String(length=64), nullable=False),
    sa.Column('ts', sa.DateTime(timezone=True), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_metric_points_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_metric_points_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('service_id', 'metric', 'ts', name=op.f('pk_metric_points'))
    )
    op.create_index(op.f('ix_metric_points_org_id'), 'metric_points', ['org_id'], unique=False)
    op.create_table('service_dependencies',
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('service_id', sa.BigInteger(), nullable=False),
    sa.Column('depends_on_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('service_id <> depends_on_id', name=op.f('ck_service_dependencies_not_self')),
    sa.ForeignKeyConstraint(['depends_on_id'], ['services.id'], name=op.f('fk_service_dependencies_depends_on_id_services'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_service_dependencies_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_service_dependencies_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('service_id', 'depends_on_id', name=op.f('pk_service_dependencies'))
    )
    op.create_index(op.f('ix_service_dependencies_depends_on_id'), 'service_dependencies', ['depends_on_id'], unique=False)
    op.create_index(op.f('ix_service_dependencies_org_id'), 'service_dependencies', ['org_id'], unique=False)
    op.create_table('sla_alerts',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('ticket_id', sa.BigInteger(), nullable=False),
    sa.Column('alert_type', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('escalation_level', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('notification_sent', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("alert_type IN ('response', 'resolution')", name=op.f('ck_sla_alerts_alert_type')),
    sa.CheckConstraint("state IN ('on_track', 'at_risk', 'breached', 'met')", name=op.f('ck_sla_alerts_state')),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_sla_alerts_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_sla_alerts_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_alerts')),
    sa.UniqueConstraint('ticket_id', 'alert_type', 'state', name=op.f('uq_sla_alerts_ticket_id'))
    )
    op.create_index(op.f('ix_sla_alerts_org_id'), 'sla_alerts', ['org_id'], unique=False)
    op.create_index(op.f('ix_sla_alerts_ticket_id'), 'sla_alerts', ['ticket_id'], unique=False)
    op.create_table('stations',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_stations_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_stations_region_id_regions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stations')),
    sa.UniqueConstraint('org_id', 'code', name=op.f('uq_stations_org_id'))
    )
    op.create_index(op.f('ix_stations_org_id'), 'stations', ['org_id'], unique=False)
    op.create_index(op.f('ix_stations_region_id'), 'stations', ['region_id'], unique=False)
    op.create_table('commit_files',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('commit_id', sa.BigInteger(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('change_type', sa.String(length=16), nullable=False),
    sa.Column('additions', sa.Integer(), server_default='0', nullable=False),
    sa.Column('deletions', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint("change_type IN ('db_migration', 'dependency', 'config', 'timeout_retry', 'http_client', 'shared_util', 'auth', 'test', 'docs', 'other')", name=op.f('ck_commit_files_change_type')),
    sa.ForeignKeyConstraint(['commit_id'], ['commits.id'], name=op.f('fk_commit_files_commit_id_commits'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_commit_files_org_id_orgs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commit_files')),
    sa.UniqueConstraint('commit_id', 'path', name=op.f('uq_commit_files_commit_id'))
    )
    op.create_index(op.f('ix_commit_files_commit_id'), 'commit_files', ['commit_id'], unique=False)
    op.create_index(op.f('ix_commit_files_org_id'), 'commit_files', ['org_id'], unique=False)
    op.create_table('deployment_commits',
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('deployment_id', sa.BigInteger(), nullable=False),
    sa.Column('commit_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['commit_id'], ['commits.id'], name=op.f('fk_deployment_commits_commit_id_commits'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deployment_id'], ['deployments.id'], name=op.f('fk_deployment_commits_deployment_id_deployments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_deployment_commits_org_id_orgs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('deployment_id', 'commit_id', name=op.f('pk_deployment_commits'))
    )
    op.create_index(op.f('ix_deployment_commits_commit_id'), 'deployment_commits', ['commit_id'], unique=False)
    op.create_index(op.f('ix_deployment_commits_org_id'), 'deployment_commits', ['org_id'], unique=False)
    op.create_table('feedback_events',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('target_type', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.String(length=64), nullable=False),
    sa.Column('incident_id', sa.BigInteger(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('confirm', 'reject', 'note', 'rating')", name=op.f('ck_feedback_events_kind')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_feedback_events_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_feedback_events_org_id_orgs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_events'))
    )
    op.create_index(op.f('ix_feedback_events_incident_id'), 'feedback_events', ['incident_id'], unique=False)
    op.create_index(op.f('ix_feedback_events_org_id'), 'feedback_events', ['org_id'], unique=False)
    op.create_index('ix_feedback_events_target', 'feedback_events', ['org_id', 'target_type', 'target_id'], unique=False)
    op.create_table('kpi_points',
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('kpi_id', sa.BigInteger(), nullable=False),
    sa.Column('station_id', sa.BigInteger(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['kpi_id'], ['kpi_definitions.id'], name=op.f('fk_kpi_points_kpi_id_kpi_definitions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_kpi_points_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_kpi_points_station_id_stations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('kpi_id', 'station_id', 'day', name=op.f('pk_kpi_points'))
    )
    op.create_index(op.f('ix_kpi_points_org_id'), 'kpi_points', ['org_id'], unique=False)
    op.create_index('ix_kpi_points_org_kpi_day', 'kpi_points', ['org_id', 'kpi_id', 'day'], unique=False)
    op.create_table('threads',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=True),
    sa.Column('api_key_id', sa.BigInteger(), nullable=True),
    sa.Column('slack_channel', sa.String(length=32), nullable=True),
    sa.Column('slack_thread_ts', sa.String(length=32), nullable=True),
    sa.Column('context', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], name=op.f('fk_threads_api_key_id_api_keys'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_threads_org_id_orgs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_threads')),
    sa.UniqueConstraint('org_id', 'slack_channel', 'slack_thread_ts', name=op.f('uq_threads_org_id'))
    )
    op.create_index(op.f('ix_threads_org_id'), 'threads', ['org_id'], unique=False)
    op.create_index('ix_threads_org_updated', 'threads', ['org_id', 'updated_at'], unique=False)
    op.create_table('investigations',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('question', sa.Text(), nullable=True),
    sa.Column('kpi_id', sa.BigInteger(), nullable=True),
    sa.Column('station_id', sa.BigInteger(), nullable=True),
    sa.Column('region_id', sa.BigInteger(), nullable=True),
    sa.Column('summary_level', sa.String(length=16), server_default='station', nullable=False),
    sa.Column('thread_id', sa.UUID(), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='open', nullable=False),
    sa.Column('root_cause', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('finalized_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'finalized')", name=op.f('ck_investigations_status')),
    sa.CheckConstraint("summary_level IN ('station', 'region', 'company')", name=op.f('ck_investigations_summary_level')),
    sa.ForeignKeyConstraint(['kpi_id'], ['kpi_definitions.id'], name=op.f('fk_investigations_kpi_id_kpi_definitions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_investigations_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_investigations_region_id_regions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_investigations_station_id_stations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_investigations_thread_id_threads'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_investigations'))
    )
    op.create_index(op.f('ix_investigations_org_id'), 'investigations', ['org_id'], unique=False)
    op.create_table('runs',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('thread_id', sa.UUID(), nullable=True),
    sa.Column('api_key_id', sa.BigInteger(), nullable=True),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='queued', nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('model', sa.String(length=100), nullable=True),
    sa.Column('route', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('prompt_tokens', sa.Integer(), server_default='0', nullable=False),
    sa.Column('completion_tokens', sa.Integer(), server_default='0', nullable=False),
    sa.Column('cost_usd', sa.Float(), server_default='0', nullable=False),
    sa.Column('last_seq', sa.Integer(), server_default='0', nullable=False),
    sa.Column('worker', sa.String(length=128), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'completed', 'failed')", name=op.f('ck_runs_status')),
    sa.CheckConstraint("trigger IN ('chat', 'slack', 'eval', 'api', 'schedule')", name=op.f('ck_runs_trigger')),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], name=op.f('fk_runs_api_key_id_api_keys'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_runs_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_runs_thread_id_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_runs'))
    )
    op.create_index('ix_runs_org_created', 'runs', ['org_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_runs_org_id'), 'runs', ['org_id'], unique=False)
    op.create_index(op.f('ix_runs_thread_id'), 'runs', ['thread_id'], unique=False)
    op.create_index('ix_runs_unfinished', 'runs', ['status'], unique=False, postgresql_where="status IN ('queued', 'running')")
    op.create_table('decisions',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('incident_id', sa.BigInteger(), nullable=True),
    sa.Column('run_id', sa.UUID(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_decisions_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_decisions_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_decisions_run_id_runs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions'))
    )
    op.create_index(op.f('ix_decisions_incident_id'), 'decisions', ['incident_id'], unique=False)
    op.create_index(op.f('ix_decisions_org_id'), 'decisions', ['org_id'], unique=False)
    op.create_table('eval_results',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('eval_run_id', sa.UUID(), nullable=False),
    sa.Column('case_id', sa.String(length=200), nullable=False),
    sa.Column('variant', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('run_id', sa.UUID(), nullable=True),
    sa.Column('evaluator', sa.String(length=64), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('latency_ms', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('score >= 0 AND score <= 100', name=op.f('ck_eval_results_score')),
    sa.ForeignKeyConstraint(['eval_run_id'], ['eval_runs.id'], name=op.f('fk_eval_results_eval_run_id_eval_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_eval_results_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_eval_results_run_id_runs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eval_results')),
    sa.UniqueConstraint('eval_run_id', 'case_id', 'variant', 'evaluator', name=op.f('uq_eval_results_eval_run_id'))
    )
    op.create_index(op.f('ix_eval_results_eval_run_id'), 'eval_results', ['eval_run_id'], unique=False)
    op.create_index(op.f('ix_eval_results_org_id'), 'eval_results', ['org_id'], unique=False)
    op.create_table('hypotheses',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('incident_id', sa.BigInteger(), nullable=True),
    sa.Column('investigation_id', sa.BigInteger(), nullable=True),
    sa.Column('run_id', sa.UUID(), nullable=True),
    sa.Column('rank', sa.SmallInteger(), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('evidence_ids', postgresql.ARRAY(sa.BigInteger()), server_default='{}', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("type IN ('deployment', 'config_change', 'dependency', 'capacity', 'external', 'unknown')", name=op.f('ck_hypotheses_type')),
    sa.CheckConstraint('confidence >= 0 AND confidence <= 1', name=op.f('ck_hypotheses_confidence')),
    sa.CheckConstraint('rank >= 1', name=op.f('ck_hypotheses_rank')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_hypotheses_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['investigation_id'], ['investigations.id'], name=op.f('fk_hypotheses_investigation_id_investigations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_hypotheses_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_hypotheses_run_id_runs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hypotheses'))
    )
    op.create_index(op.f('ix_hypotheses_incident_id'), 'hypotheses', ['incident_id'], unique=False)
    op.create_index(op.f('ix_hypotheses_investigation_id'), 'hypotheses', ['investigation_id'], unique=False)
    op.create_index(op.f('ix_hypotheses_org_id'), 'hypotheses', ['org_id'], unique=False)
    op.create_index(op.f('ix_hypotheses_run_id'), 'hypotheses', ['run_id'], unique=False)
    op.create_table('investigation_actions',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('investigation_id', sa.BigInteger(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='open', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['investigation_id'], ['investigations.id'], name=op.f('fk_investigation_actions_investigation_id_investigations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_investigation_actions_org_id_orgs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_investigation_actions'))
    )
    op.create_index(op.f('ix_investigation_actions_investigation_id'), 'investigation_actions', ['investigation_id'], unique=False)
    op.create_index(op.f('ix_investigation_actions_org_id'), 'investigation_actions', ['org_id'], unique=False)
    op.create_table('investigation_notes',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('investigation_id', sa.BigInteger(), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['investigation_id'], ['investigations.id'], name=op.f('fk_investigation_notes_investigation_id_investigations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_investigation_notes_org_id_orgs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_investigation_notes'))
    )
    op.create_index(op.f('ix_investigation_notes_investigation_id'), 'investigation_notes', ['investigation_id'], unique=False)
    op.create_index(op.f('ix_investigation_notes_org_id'), 'investigation_notes', ['org_id'], unique=False)
    op.create_table('investigation_steps',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('investigation_id', sa.BigInteger(), nullable=False),
    sa.Column('iteration', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), server_default='question', nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('run_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['investigation_id'], ['investigations.id'], name=op.f('fk_investigation_steps_investigation_id_investigations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_investigation_steps_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_investigation_steps_run_id_runs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_investigation_steps')),
    sa.UniqueConstraint('investigation_id', 'iteration', name=op.f('uq_investigation_steps_investigation_id'))
    )
    op.create_index(op.f('ix_investigation_steps_investigation_id'), 'investigation_steps', ['investigation_id'], unique=False)
    op.create_index(op.f('ix_investigation_steps_org_id'), 'investigation_steps', ['org_id'], unique=False)
    op.create_table('messages',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('thread_id', sa.UUID(), nullable=False),
    sa.Column('run_id', sa.UUID(), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('evidence_ids', postgresql.ARRAY(sa.BigInteger()), server_default='{}', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('user', 'assistant', 'system')", name=op.f('ck_messages_role')),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_messages_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_messages_run_id_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_messages_thread_id_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages'))
    )
    op.create_index(op.f('ix_messages_org_id'), 'messages', ['org_id'], unique=False)
    op.create_index(op.f('ix_messages_thread_id'), 'messages', ['thread_id'], unique=False)
    op.create_table('reports',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('incident_id', sa.BigInteger(), nullable=True),
    sa.Column('investigation_id', sa.BigInteger(), nullable=True),
    sa.Column('run_id', sa.UUID(), nullable=True),
    sa.Column('kind', sa.String(length=32), server_default='incident', nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('markdown', sa.Text(), nullable=False),
    sa.Column('evidence_ids', postgresql.ARRAY(sa.BigInteger()), server_default='{}', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_reports_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['investigation_id'], ['investigations.id'], name=op.f('fk_reports_investigation_id_investigations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_reports_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_reports_run_id_runs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports'))
    )
    op.create_index(op.f('ix_reports_incident_id'), 'reports', ['incident_id'], unique=False)
    op.create_index(op.f('ix_reports_investigation_id'), 'reports', ['investigation_id'], unique=False)
    op.create_index(op.f('ix_reports_org_id'), 'reports', ['org_id'], unique=False)
    op.create_table('run_events',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('run_id', sa.UUID(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("type IN ('run.started', 'agent.started', 'agent.completed', 'tool.started', 'tool.completed', 'evidence', 'token', 'chart', 'message', 'run.completed', 'run.failed')", name=op.f('ck_run_events_type')),
    sa.CheckConstraint('seq >= 1', name=op.f('ck_run_events_seq_positive')),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_run_events_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_run_events_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_run_events')),
    sa.UniqueConstraint('run_id', 'seq', name=op.f('uq_run_events_run_id'))
    )
    op.create_index('ix_run_events_created', 'run_events', ['created_at'], unique=False)
    op.create_index(op.f('ix_run_events_org_id'), 'run_events', ['org_id'], unique=False)
    op.create_table('run_steps',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('run_id', sa.UUID(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('agent', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='running', nullable=False),
    sa.Column('input', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('output', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('latency_ms', sa.Float(), nullable=True),
    sa.Column('prompt_tokens', sa.Integer(), server_default='0', nullable=False),
    sa.Column('completion_tokens', sa.Integer(), server_default='0', nullable=False),
    sa.Column('cost_usd', sa.Float(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_run_steps_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_run_steps_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_run_steps')),
    sa.UniqueConstraint('run_id', 'position', name=op.f('uq_run_steps_run_id'))
    )
    op.create_index(op.f('ix_run_steps_org_id'), 'run_steps', ['org_id'], unique=False)
    op.create_index(op.f('ix_run_steps_run_id'), 'run_steps', ['run_id'], unique=False)
    op.create_table('ticket_classifications',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('ticket_id', sa.BigInteger(), nullable=True),
    sa.Column('run_id', sa.UUID(), nullable=True),
    sa.Column('subject', sa.String(length=500), nullable=True),
    sa.Column('product', sa.String(length=16), nullable=False),
    sa.Column('urgency', sa.String(length=16), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('reasoning', sa.Text(), nullable=False),
    sa.Column('model', sa.String(length=100), nullable=False),
    sa.Column('latency_ms', sa.Float(), nullable=False),
    sa.Column('prompt_tokens', sa.Integer(), server_default='0', nullable=False),
    sa.Column('completion_tokens', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("product IN ('CASB', 'SWG', 'ZTNA', 'DLP', 'SSPM', 'CFW', 'GENERAL')", name=op.f('ck_ticket_classifications_product')),
    sa.CheckConstraint("urgency IN ('critical', 'high', 'medium', 'low')", name=op.f('ck_ticket_classifications_urgency')),
    sa.CheckConstraint('confidence >= 0 AND confidence <= 1', name=op.f('ck_ticket_classifications_confidence')),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_ticket_classifications_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_ticket_classifications_run_id_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_classifications_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_classifications'))
    )
    op.create_index(op.f('ix_ticket_classifications_org_id'), 'ticket_classifications', ['org_id'], unique=False)
    op.create_index(op.f('ix_ticket_classifications_ticket_id'), 'ticket_classifications', ['ticket_id'], unique=False)
    op.create_table('usage_records',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('run_id', sa.UUID(), nullable=True),
    sa.Column('api_key_id', sa.BigInteger(), nullable=True),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('model', sa.String(length=100), nullable=True),
    sa.Column('prompt_tokens', sa.Integer(), server_default='0', nullable=False),
    sa.Column('completion_tokens', sa.Integer(), server_default='0', nullable=False),
    sa.Column('cost_usd', sa.Float(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], name=op.f('fk_usage_records_api_key_id_api_keys'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_usage_records_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_usage_records_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usage_records'))
    )
    op.create_index(op.f('ix_usage_records_org_id'), 'usage_records', ['org_id'], unique=False)
    op.create_index(op.f('ix_usage_records_run_id'), 'usage_records', ['run_id'], unique=False)
    op.create_table('tool_calls',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('run_id', sa.UUID(), nullable=False),
    sa.Column('step_id', sa.BigInteger(), nullable=True),
    sa.Column('tool', sa.String(length=64), nullable=False),
    sa.Column('arguments', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('status', sa.String(length=16), server_default='running', nullable=False),
    sa.Column('result_summary', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('evidence_ids', postgresql.ARRAY(sa.BigInteger()), server_default='{}', nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('latency_ms', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_tool_calls_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_tool_calls_run_id_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['step_id'], ['run_steps.id'], name=op.f('fk_tool_calls_step_id_run_steps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tool_calls'))
    )
    op.create_index(op.f('ix_tool_calls_org_id'), 'tool_calls', ['org_id'], unique=False)
    op.create_index(op.f('ix_tool_calls_run_id'), 'tool_calls', ['run_id'], unique=False)
    op.create_index(op.f('ix_tool_calls_step_id'), 'tool_calls', ['step_id'], unique=False)
    op.create_table('evidence',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.BigInteger(), nullable=False),
    sa.Column('run_id', sa.UUID(), nullable=True),
    sa.Column('step_id', sa.BigInteger(), nullable=True),
    sa.Column('tool_call_id', sa.BigInteger(), nullable=True),
    sa.Column('incident_id', sa.BigInteger(), nullable=True),
    sa.Column('investigation_id', sa.BigInteger(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('ref', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('embedding', pgvector.sqlalchemy.vector.VECTOR(dim=384), nullable=True),
    sa.Column('tsv', postgresql.TSVECTOR(), sa.Computed("to_tsvector('english', coalesce(kind, '') || ' ' || coalesce(summary, ''))", persisted=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_evidence_incident_id_incidents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['investigation_id'], ['investigations.id'], name=op.f('fk_evidence_investigation_id_investigations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_evidence_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_evidence_run_id_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['step_id'], ['run_steps.id'], name=op.f('fk_evidence_step_id_run_steps'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tool_call_id'], ['tool_calls.id'], name=op.f('fk_evidence_tool_call_id_tool_calls'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence'))
    )
    op.create_index('ix_evidence_embedding_hnsw', 'evidence', ['embedding'], unique=False, postgresql_using='hnsw', postgresql_with={'m': 16, 'ef_construction': 128}, postgresql_ops={'embedding': 'vector_cosine_ops'})
    op.create_index(op.f('ix_evidence_incident_id'), 'evidence', ['incident_id'], unique=False)
    op.create_index(op.f('ix_evidence_investigation_id'), 'evidence', ['investigation_id'], unique=False)
    op.create_index(op.f('ix_evidence_org_id'), 'evidence', ['org_id'], unique=False)
    op.create_index(op.f('ix_evidence_run_id'), 'evidence', ['run_id'], unique=False)
    op.create_index('ix_evidence_tsv', 'evidence', ['tsv'], unique=False, postgresql_using='gin')
    # 384-d vectors (1.5 kB) would be TOASTed: keep them inline so exact (B-tree path) scans stay cheap.
    for table in ("documents", "evidence", "tickets"):
        op.execute(f"ALTER TABLE {table} ALTER COLUMN embedding SET STORAGE PLAIN")
    op.execute(APPEND_ONLY_FN)
    op.execute(
        "CREATE TRIGGER feedback_events_append_only BEFORE UPDATE OR DELETE ON feedback_events "
        "FOR EACH ROW EXECUTE FUNCTION opsgraph_append_only()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS feedback_events_append_only ON feedback_events")
    op.execute("DROP FUNCTION IF EXISTS opsgraph_append_only()")
    op.drop_index('ix_evidence_tsv', table_name='evidence', postgresql_using='gin')
    op.drop_index(op.f('ix_evidence_run_id'), table_name='evidence')
    op.drop_index(op.f('ix_evidence_org_id'), table_name='evidence')
    op.drop_index(op.f('ix_evidence_investigation_id'), table_name='evidence')
    op.drop_index(op.f('ix_evidence_incident_id'), table_name='evidence')
    op.drop_index('ix_evidence_embedding_hnsw', table_name='evidence', postgresql_using='hnsw', postgresql_with={'m': 16, 'ef_construction': 128}, postgresql_ops={'embedding': 'vector_cosine_ops'})
    op.drop_table('evidence')
    op.drop_index(op.f('ix_tool_calls_step_id'), table_name='tool_calls')
    op.drop_index(op.f('ix_tool_calls_run_id'), table_name='tool_calls')
    op.drop_index(op.f('ix_tool_calls_org_id'), table_name='tool_calls')
    op.drop_table('tool_calls')
    op.drop_index(op.f('ix_usage_records_run_id'), table_name='usage_records')
    op.drop_index(op.f('ix_usage_records_org_id'), table_name='usage_records')
    op.drop_table('usage_records')
    op.drop_index(op.f('ix_ticket_classifications_ticket_id'), table_name='ticket_classifications')
    op.drop_index(op.f('ix_ticket_classifications_org_id'), table_name='ticket_classifications')
    op.drop_table('ticket_classifications')
    op.drop_index(op.f('ix_run_steps_run_id'), table_name='run_steps')
    op.drop_index(op.f('ix_run_steps_org_id'), table_name='run_steps')
    op.drop_table('run_steps')
    op.drop_index(op.f('ix_run_events_org_id'), table_name='run_events')
    op.drop_index('ix_run_events_created', table_name='run_events')
    op.drop_table('run_events')
    op.drop_index(op.f('ix_reports_org_id'), table_name='reports')
    op.drop_index(op.f('ix_reports_investigation_id'), table_name='reports')
    op.drop_index(op.f('ix_reports_incident_id'), table_name='reports')
    op.drop_table('reports')
    op.drop_index(op.f('ix_messages_thread_id'), table_name='messages')
    op.drop_index(op.f('ix_messages_org_id'), table_name='messages')
    op.drop_table('messages')
    op.drop_index(op.f('ix_investigation_steps_org_id'), table_name='investigation_steps')
    op.drop_index(op.f('ix_investigation_steps_investigation_id'), table_name='investigation_steps')
    op.drop_table('investigation_steps')
    op.drop_index(op.f('ix_investigation_notes_org_id'), table_name='investigation_notes')
    op.drop_index(op.f('ix_investigation_notes_investigation_id'), table_name='investigation_notes')
    op.drop_table('investigation_notes')
    op.drop_index(op.f('ix_investigation_actions_org_id'), table_name='investigation_actions')
    op.drop_index(op.f('ix_investigation_actions_investigation_id'), table_name='investigation_actions')
    op.drop_table('investigation_actions')
    op.drop_index(op.f('ix_hypotheses_run_id'), table_name='hypotheses')
    op.drop_index(op.f('ix_hypotheses_org_id'), table_name='hypotheses')
    op.drop_index(op.f('ix_hypotheses_investigation_id'), table_name='hypotheses')
    op.drop_index(op.f('ix_hypotheses_incident_id'), table_name='hypotheses')
    op.drop_table('hypotheses')
    op.drop_index(op.f('ix_eval_results_org_id'), table_name='eval_results')
    op.drop_index(op.f('ix_eval_results_eval_run_id'), table_name='eval_results')
    op.drop_table('eval_results')
    op.drop_index(op.f('ix_decisions_org_id'), table_name='decisions')
    op.drop_index(op.f('ix_decisions_incident_id'), table_name='decisions')
    op.drop_table('decisions')
    op.drop_index('ix_runs_unfinished', table_name='runs', postgresql_where="status IN ('queued', 'running')")
    op.drop_index(op.f('ix_runs_thread_id'), table_name='runs')
    op.drop_index(op.f('ix_runs_org_id'), table_name='runs')
    op.drop_index('ix_runs_org_created', table_name='runs')
    op.drop_table('runs')
    op.drop_index(op.f('ix_investigations_org_id'), table_name='investigations')
    op.drop_table('investigations')
    op.drop_index('ix_threads_org_updated', table_name='threads')
    op.drop_index(op.f('ix_threads_org_id'), table_name='threads')
    op.drop_table('threads')
    op.drop_index('ix_kpi_points_org_kpi_day', table_name='kpi_points')
    op.drop_index(op.f('ix_kpi_points_org_id'), table_name='kpi_points')
    op.drop_table('kpi_points')
    op.drop_index('ix_feedback_events_target', table_name='feedback_events')
    op.drop_index(op.f('ix_feedback_events_org_id'), table_name='feedback_events')
    op.drop_index(op.f('ix_feedback_events_incident_id'), table_name='feedback_events')
    op.drop_table('feedback_events')
    op.drop_index(op.f('ix_deployment_commits_org_id'), table_name='deployment_commits')
    op.drop_index(op.f('ix_deployment_commits_commit_id'), table_name='deployment_commits')
    op.drop_table('deployment_commits')
    op.drop_index(op.f('ix_commit_files_org_id'), table_name='commit_files')
    op.drop_index(op.f('ix_commit_files_commit_id'), table_name='commit_files')
    op.drop_table('commit_files')
    op.drop_index(op.f('ix_stations_region_id'), table_name='stations')
    op.drop_index(op.f('ix_stations_org_id'), table_name='stations')
    op.drop_table('stations')
    op.drop_index(op.f('ix_sla_alerts_ticket_id'), table_name='sla_alerts')
    op.drop_index(op.f('ix_sla_alerts_org_id'), table_name='sla_alerts')
    op.drop_table('sla_alerts')
    op.drop_index(op.f('ix_service_dependencies_org_id'), table_name='service_dependencies')
    op.drop_index(op.f('ix_service_dependencies_depends_on_id'), table_name='service_dependencies')
    op.drop_table('service_dependencies')
    op.drop_index(op.f('ix_metric_points_org_id'), table_name='metric_points')
    op.drop_table('metric_points')
    op.drop_index(op.f('ix_incidents_org_id'), table_name='incidents')
    op.drop_table('incidents')
    op.drop_index('ix_deployments_service_started', table_name='deployments')
    op.drop_index(op.f('ix_deployments_org_id'), table_name='deployments')
    op.drop_table('deployments')
    op.drop_index('ix_config_changes_service_changed', table_name='config_changes')
    op.drop_index(op.f('ix_config_changes_org_id'), table_name='config_changes')
    op.drop_table('config_changes')
    op.drop_index(op.f('ix_commits_service_id'), table_name='commits')
    op.drop_index(op.f('ix_commits_org_id'), table_name='commits')
    op.drop_table('commits')
    op.drop_index(op.f('ix_api_keys_org_id'), table_name='api_keys')
    op.drop_table('api_keys')
    op.drop_index(op.f('ix_users_org_id'), table_name='users')
    op.drop_table('users')
    op.drop_index(op.f('ix_tickets_org_id'), table_name='tickets')
    op.drop_index('ix_tickets_org_created', table_name='tickets')
    op.drop_index('ix_tickets_embedding_hnsw', table_name='tickets', postgresql_using='hnsw', postgresql_with={'m': 16, 'ef_construction': 128}, postgresql_ops={'embedding': 'vector_cosine_ops'})
    op.drop_table('tickets')
    op.drop_index(op.f('ix_services_org_id'), table_name='services')
    op.drop_table('services')
    op.drop_index(op.f('ix_regions_org_id'), table_name='regions')
    op.drop_table('regions')
    op.drop_index(op.f('ix_kpi_definitions_org_id'), table_name='kpi_definitions')
    op.drop_table('kpi_definitions')
    op.drop_index(op.f('ix_eval_runs_org_id'), table_name='eval_runs')
    op.drop_table('eval_runs')
    op.drop_index('ix_documents_tsv', table_name='documents', postgresql_using='gin')
    op.drop_index(op.f('ix_documents_org_id'), table_name='documents')
    op.drop_index('ix_documents_embedding_hnsw', table_name='documents', postgresql_using='hnsw', postgresql_with={'m': 16, 'ef_construction': 128}, postgresql_ops={'embedding': 'vector_cosine_ops'})
    op.drop_table('documents')
    op.drop_table('orgs')
