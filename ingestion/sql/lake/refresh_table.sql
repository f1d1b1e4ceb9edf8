-- Drop Spark's cached file listing of a table whose files changed outside Spark.
refresh table {table}
