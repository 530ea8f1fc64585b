-- The store of record on PostgreSQL (CMQ_DATABASE_URL). Same contract as the embedded store (cmq/core/schema.py):
-- every table keeps its whole history row for row, each row with the batch that wrote it; the current rows (latest
-- non-reverted batch per key) are resolved by each app server's DuckDB read catalogue. Applied by
-- `python -m cmq db upgrade`, in one transaction, and recorded in schema_migrations.

-- the store's state, what the embedded store keeps in manifest.json: version (bumped by every write), next batch
-- and revert numbers, kind (demo or real), campaigns, the version at which each table last changed
create table store_state (
    id int primary key check (id = 1),
    state jsonb not null
);
insert into store_state values (1, jsonb_build_object('version', 0, 'next_batch', 1, 'next_revert', 1,
    'files', '{}'::jsonb, 'tables', '{}'::jsonb, 'store_id', md5(random()::text || clock_timestamp()::text)));

-- one row per batch: who, when, which file, counts (schema.BATCH_COLUMNS)
create table batches (
    batch_id bigint primary key,
    table_name text not null,
    campus_id text,
    file_name text,
    sha256 text,
    rows bigint,
    inserted bigint,
    updated bigint,
    unchanged bigint,
    user_name text,
    committed_at text not null
);

-- one row per revert (a batch is reverted at most once)
create table reverts (
    revert_id bigint primary key,
    batch_id bigint not null unique references batches (batch_id),
    reverted_at text not null,
    reverted_by text
);

-- the accounts (Argon2 hashes, roles, campuses, last sign-in): one JSON document per account, as in accounts.json
create table accounts (
    name text primary key,
    account jsonb not null
);
create unique index accounts_email on accounts ((account ->> 'email')) where account ->> 'email' is not null;

-- small documents: the failed sign-ins being counted, the key that signs session tokens
create table store_documents (
    name text primary key,
    document jsonb not null
);

-- Campus: every row ever committed, with its batch
create table campuses_history (
    campus_id text,
    name text,
    region text,
    academie text,
    sector text,
    label text,
    labelled_year bigint,
    carrier text,
    carrier_type text,
    city text,
    latitude double precision,
    longitude double precision,
    source text,
    batch_id bigint not null references batches (batch_id),
    unique nulls not distinct (campus_id, batch_id)
);
create index campuses_history_batch on campuses_history (batch_id);

-- Objectifs: every row ever committed, with its batch
create table objectives_history (
    objective_id text,
    campus_id text,
    parent_id text,
    level text,
    title text,
    position bigint,
    source text,
    batch_id bigint not null references batches (batch_id),
    unique nulls not distinct (objective_id, batch_id)
);
create index objectives_history_batch on objectives_history (batch_id);

-- Indicateurs: every row ever committed, with its batch
create table indicators_history (
    indicator_id text,
    campus_id text,
    objective_id text,
    name text,
    unit text,
    direction text,
    cumulative boolean,
    baseline_value double precision,
    baseline_year bigint,
    source text,
    batch_id bigint not null references batches (batch_id),
    unique nulls not distinct (indicator_id, batch_id)
);
create index indicators_history_batch on indicators_history (batch_id);

-- Critères de labellisation: every row ever committed, with its batch
create table criteria_history (
    criterion_no bigint,
    title text,
    description text,
    excellence_requirement text,
    source text,
    batch_id bigint not null references batches (batch_id),
    unique nulls not distinct (criterion_no, batch_id)
);
create index criteria_history_batch on criteria_history (batch_id);

-- Partenaires: every row ever committed, with its batch
create table partners_history (
    partner_id text,
    name text,
    partner_type text,
    city text,
    source text,
    batch_id bigint not null references batches (batch_id),
    unique nulls not distinct (partner_id, batch_id)
);
create index partners_history_batch on partners_history (batch_id);

-- Partenaires des campus: every row ever committed, with its batch
create table campus_partners_history (
    campus_id text,
    partner_id text,
    role text,
    source text,
    batch_id bigint not null references batches (batch_id),
    unique nulls not distinct (campus_id, partner_id, batch_id)
);
create index campus_partners_history_batch on campus_partners_history (batch_id);

-- Valeurs des indicateurs: every row ever committed, with its batch
create table indicator_values_history (
    campus_id text,
    indicator_id text,
    year bigint,
    value double precision,
    target double precision,
    comment text,
    source text,
    batch_id bigint not null references batches (batch_id),
    unique nulls not distinct (indicator_id, year, batch_id)
);
create index indicator_values_history_batch on indicator_values_history (batch_id);

-- Actions: every row ever committed, with its batch
create table actions_history (
    campus_id text,
    action_id text,
    title text,
    status text,
    start_date date,
    end_date date,
    year bigint,
    description text,
    co_campuses text,
    source text,
    batch_id bigint not null references batches (batch_id),
    unique nulls not distinct (action_id, batch_id)
);
create index actions_history_batch on actions_history (batch_id);

-- Actions × objectifs: every row ever committed, with its batch
create table action_objectives_history (
    campus_id text,
    action_id text,
    objective_id text,
    source text,
    batch_id bigint not null references batches (batch_id),
    unique nulls not distinct (action_id, objective_id, batch_id)
);
create index action_objectives_history_batch on action_objectives_history (batch_id);

-- Publics touchés: every row ever committed, with its batch
create table reach_history (
    campus_id text,
    action_id text,
    year bigint,
    audience text,
    detail text,
    count bigint,
    women bigint,
    approximate boolean,
    comment text,
    source text,
    batch_id bigint not null references batches (batch_id),
    unique nulls not distinct (campus_id, action_id, year, audience, detail, batch_id)
);
create index reach_history_batch on reach_history (batch_id);

-- Financements: every row ever committed, with its batch
create table funding_history (
    campus_id text,
    funder text,
    year bigint,
    programme text,
    funder_type text,
    amount_eur double precision,
    kind text,
    status text,
    comment text,
    source text,
    batch_id bigint not null references batches (batch_id),
    unique nulls not distinct (campus_id, funder, year, programme, batch_id)
);
create index funding_history_batch on funding_history (batch_id);

-- Positionnement sur les critères: every row ever committed, with its batch
create table criteria_assessments_history (
    campus_id text,
    criterion_no bigint,
    year bigint,
    level bigint,
    level_basis text,
    comment text,
    source text,
    batch_id bigint not null references batches (batch_id),
    unique nulls not distinct (campus_id, criterion_no, year, batch_id)
);
create index criteria_assessments_history_batch on criteria_assessments_history (batch_id);

-- Jalons de gouvernance: every row ever committed, with its batch
create table milestones_history (
    milestone_id text,
    campus_id text,
    start_date date,
    end_date date,
    date_text text,
    milestone_kind text,
    milestone_status text,
    title text,
    place text,
    comment text,
    source text,
    batch_id bigint not null references batches (batch_id),
    unique nulls not distinct (milestone_id, batch_id)
);
create index milestones_history_batch on milestones_history (batch_id);

