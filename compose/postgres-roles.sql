-- The roles topology.toml's [[database.roles]] makes for each run, made once here when the
-- postgres volume is first initialised (docker-compose.yml mounts this file into
-- /docker-entrypoint-initdb.d). Each deployable reaches its own schemas only (ADR-0018).
CREATE ROLE monolith LOGIN PASSWORD 'monolith';
CREATE ROLE catalog_migrator LOGIN PASSWORD 'catalog_migrator';
CREATE ROLE catalog LOGIN PASSWORD 'catalog';
GRANT CREATE ON DATABASE shop TO monolith, catalog_migrator;
