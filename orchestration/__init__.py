"""The Dagster side of llmcosts: definitions, jobs, the CLI."""

import warnings

# pyspark, loaded with the dbt-spark adapter, warns on import that it does not fully support
# pandas 3. llmcosts never uses pyspark's pandas API (only the wheel's Spark and Thrift server).
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
