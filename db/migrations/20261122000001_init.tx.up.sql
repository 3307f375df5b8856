CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- People, as the identity provider names them. org_nr ties a workshop user to its workshop.
CREATE TABLE users (
    id           text PRIMARY KEY CHECK (id <> '' AND id NOT LIKE 'org:%'),
    role         text NOT NULL CHECK (role IN ('car_owner', 'workshop', 'buyer', 'seller')),
    name         text NOT NULL DEFAULT '',
    avatar_url   text NOT NULL DEFAULT '',
    verified     boolean NOT NULL DEFAULT false,
    org_nr       text,
    last_seen_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_org_nr_idx ON users (org_nr) WHERE org_nr IS NOT NULL;

CREATE TABLE workshops (
    org_nr        text PRIMARY KEY CHECK (org_nr ~ '^[0-9]{9}$'),
    name          text NOT NULL,
    address_line  text NOT NULL DEFAULT '',
    city          text NOT NULL DEFAULT '',
    postal_code   text NOT NULL DEFAULT '',
    latitude      double precision,
    longitude     double precision,
    logo          jsonb NOT NULL DEFAULT '[]',
    categories    jsonb NOT NULL DEFAULT '[]',
    avg_rating    double precision NOT NULL DEFAULT 0,
    total_reviews integer NOT NULL DEFAULT 0,
    -- Kept by the store from the workshop and its services: the text trigram search matches
    -- against and the full-text document.
    search_text   text NOT NULL DEFAULT '',
    search_doc    tsvector NOT NULL DEFAULT ''::tsvector,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workshops_search_doc_idx ON workshops USING gin (search_doc);
CREATE INDEX workshops_search_trgm_idx ON workshops USING gin (search_text gin_trgm_ops);

CREATE TABLE workshop_services (
    id       bigserial PRIMARY KEY,
    org_nr   text NOT NULL REFERENCES workshops (org_nr) ON DELETE CASCADE,
    name     text NOT NULL,
    category text NOT NULL DEFAULT '',
    price    numeric(12, 2) NOT NULL CHECK (price >= 0)
);
CREATE INDEX workshop_services_org_nr_idx ON workshop_services (org_nr);

CREATE TABLE bookings (
    id              bigint PRIMARY KEY CHECK (id > 0),
    car_owner_id    text NOT NULL REFERENCES users (id),
    workshop_org_nr text NOT NULL REFERENCES workshops (org_nr),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bookings_car_owner_idx ON bookings (car_owner_id);
CREATE INDEX bookings_workshop_idx ON bookings (workshop_org_nr);

CREATE TABLE listings (
    id            text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
    seller_id     text NOT NULL REFERENCES users (id),
    title         text NOT NULL,
    price         numeric(12, 2) NOT NULL DEFAULT 0 CHECK (price >= 0),
    thumbnail_url text NOT NULL DEFAULT '',
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'reserved', 'sold', 'inactive')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX listings_seller_idx ON listings (seller_id);

CREATE TABLE conversations (
    id               bigserial PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('booking', 'listing')),
    booking_id       bigint UNIQUE REFERENCES bookings (id),
    listing_id       text REFERENCES listings (id),
    buyer_id         text REFERENCES users (id),
    last_message_id  bigint,
    message_count    integer NOT NULL DEFAULT 0,
    last_activity_at timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'booking' AND booking_id IS NOT NULL AND listing_id IS NULL AND buyer_id IS NULL)
        OR (kind = 'listing' AND booking_id IS NULL AND listing_id IS NOT NULL AND buyer_id IS NOT NULL)),
    UNIQUE (listing_id, buyer_id)
);

-- A party is a user id, or 'org:<org_nr>' for a workshop: every user of a workshop shares its
-- inbox and read state.
CREATE TABLE participants (
    conversation_id      bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    party_id             text NOT NULL,
    role                 text NOT NULL CHECK (role IN ('car_owner', 'workshop', 'buyer', 'seller')),
    last_read_message_id bigint NOT NULL DEFAULT 0,
    last_read_at         timestamptz,
    -- Kept in the same transaction as every send and read, so counts never scan a thread.
    unread_count         integer NOT NULL DEFAULT 0 CHECK (unread_count >= 0),
    archived_at          timestamptz,
    deleted_at           timestamptz,
    -- Messages up to this id were deleted by this party and stay hidden from it.
    hidden_up_to         bigint NOT NULL DEFAULT 0,
    hidden_count         integer NOT NULL DEFAULT 0,
    last_activity_at     timestamptz NOT NULL DEFAULT now(),
    joined_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, party_id)
);
-- The inbox: a party's threads by last activity.
CREATE INDEX participants_inbox_idx ON participants (party_id, last_activity_at DESC, conversation_id DESC);
CREATE INDEX participants_unread_idx ON participants (party_id) WHERE unread_count > 0;

CREATE TABLE message_templates (
    id         bigserial PRIMARY KEY,
    owner_id   text NOT NULL REFERENCES users (id),
    name       text NOT NULL,
    category   text NOT NULL DEFAULT '',
    content    text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (owner_id, name)
);

-- Ids come from one sequence: they order a thread and serve as cursors.
CREATE TABLE messages (
    id                bigserial PRIMARY KEY,
    conversation_id   bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    sender_party_id   text NOT NULL,
    sender_user_id    text REFERENCES users (id),
    sender_role       text NOT NULL CHECK (sender_role IN ('car_owner', 'workshop', 'buyer', 'seller', 'system')),
    type              text NOT NULL CHECK (type IN ('text', 'image', 'document', 'quick_reply', 'system')),
    body              text NOT NULL DEFAULT '',
    template_id       bigint REFERENCES message_templates (id) ON DELETE SET NULL,
    client_message_id text,
    removed_at        timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (sender_user_id, client_message_id)
);
CREATE INDEX messages_thread_idx ON messages (conversation_id, id);
CREATE INDEX messages_body_trgm_idx ON messages USING gin (body gin_trgm_ops);

ALTER TABLE conversations
    ADD CONSTRAINT conversations_last_message_fk FOREIGN KEY (last_message_id) REFERENCES messages (id);

-- One row per message a party has read.
CREATE TABLE message_reads (
    message_id bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    party_id   text NOT NULL,
    read_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, party_id)
);

CREATE TABLE attachments (
    id           bigserial PRIMARY KEY,
    message_id   bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    name         text NOT NULL,
    content_type text NOT NULL,
    size_bytes   bigint NOT NULL CHECK (size_bytes >= 0),
    storage_key  text NOT NULL DEFAULT '',
    url          text NOT NULL DEFAULT '',
    sha256       text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_message_idx ON attachments (message_id);

CREATE TABLE notifications (
    id              bigserial PRIMARY KEY,
    user_id         text NOT NULL REFERENCES users (id),
    type            text NOT NULL,
    title           text NOT NULL,
    body            text NOT NULL DEFAULT '',
    data            jsonb NOT NULL DEFAULT '{}',
    conversation_id bigint REFERENCES conversations (id) ON DELETE CASCADE,
    message_id      bigint REFERENCES messages (id) ON DELETE CASCADE,
    read_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;
CREATE INDEX notifications_message_idx ON notifications (message_id) WHERE message_id IS NOT NULL;

CREATE TABLE reports (
    id          bigserial PRIMARY KEY,
    message_id  bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    reporter_id text NOT NULL REFERENCES users (id),
    reason      text NOT NULL CHECK (reason IN ('spam', 'harassment', 'fraud', 'inappropriate', 'other')),
    details     text NOT NULL DEFAULT '',
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'removed')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    UNIQUE (message_id, reporter_id)
);
CREATE INDEX reports_status_idx ON reports (status, created_at);
