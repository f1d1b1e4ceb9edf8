-- The Spark database of the lake's raw tables (ingestion/lake.py).
create database if not exists raw
