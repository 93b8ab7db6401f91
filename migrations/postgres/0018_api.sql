-- A repository's topics (Gitea's), lower-case words that help find it.
CREATE TABLE repo_topics (
    repo_id BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    topic   TEXT   NOT NULL,
    PRIMARY KEY (repo_id, topic)
);
CREATE INDEX repo_topics_by_topic ON repo_topics (topic);
