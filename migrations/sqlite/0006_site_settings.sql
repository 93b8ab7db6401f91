-- Settings the instance admin changes from the web (the first-run page):
-- they override the configuration file's defaults.
CREATE TABLE site_settings (
    key        TEXT   PRIMARY KEY,
    value      TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);
