-- The Spark database of pruned-but-kept months (`llmcosts prune` without --drop).
create database if not exists archive
