"""`llmcosts spark start|stop|status`: the local Spark cluster of LLMCOSTS_WAREHOUSE=spark.

A pipeline run never starts the cluster by itself (a cluster started by a run would outlive it
unseen): start it once, and it serves every run until `llmcosts spark stop`. With
LLMCOSTS_SPARK_THRIFT_HOST set, the team's own cluster is used and these commands only report it.
"""

from __future__ import annotations

import time

from llmcosts_core.settings import ConfigError, get_settings


def _external_note(settings) -> str | None:
    spark = settings.spark
    if spark is not None and not spark.uses_local_cluster:
        return (f"LLMCOSTS_SPARK_THRIFT_HOST is set ({spark.thrift_host}:{spark.thrift_port}): that cluster is "
                "managed outside llmcosts")
    return None


def cmd_spark_start(args) -> int:
    from llmcosts_core.spark import local_cluster, local_cluster_running

    settings = get_settings()
    if note := _external_note(settings):
        raise ConfigError(note + "; unset it to run the local cluster")
    cluster = local_cluster(settings)
    if local_cluster_running(settings):
        print(f"the local Spark cluster already runs: Thrift server 127.0.0.1:{cluster.ports.thrift}, "
              f"master UI {cluster.master_ui_url}")
        return 0
    print(f"starting Spark: a master and {cluster.workers} workers ({cluster.worker_memory} each) and the "
          "Thrift server, under " + str(cluster.root) + " (about a minute)")
    started = time.monotonic()
    cluster.start()
    print(f"Spark is up in {time.monotonic() - started:.0f} s: Thrift server 127.0.0.1:{cluster.ports.thrift}"
          + (f", master UI {cluster.master_ui_url}" if cluster.workers else "")
          + "; stop it with `llmcosts spark stop`")
    return 0


def cmd_spark_stop(args) -> int:
    from llmcosts_core.spark.cluster import stop_recorded

    settings = get_settings()
    if note := _external_note(settings):
        raise ConfigError(note)
    stopped = stop_recorded(settings.spark_root)
    print(f"stopped {len(stopped)} Spark processes" if stopped else "the local Spark cluster was not running")
    return 0


def cmd_spark_status(args) -> int:
    from llmcosts_core.spark import local_cluster, local_cluster_running, require_spark

    settings = get_settings()
    if note := _external_note(settings):
        require_spark(settings)
        print(note + "; its Thrift server answers")
        return 0
    if not local_cluster_running(settings):
        print("the local Spark cluster is not running (start it with `llmcosts spark start`)")
        return 1
    cluster = local_cluster(settings)
    line = f"the local Spark cluster runs: Thrift server 127.0.0.1:{cluster.ports.thrift}"
    if cluster.workers:
        state = cluster.master_state()
        line += f", {state.get('aliveworkers', 0)} workers, {state.get('cores', 0)} cores, master UI {cluster.master_ui_url}"
    print(line)
    return 0


def register(sub) -> None:
    p = sub.add_parser("spark", help="the local Spark cluster (LLMCOSTS_WAREHOUSE=spark)")
    ssub = p.add_subparsers(dest="spark_command", required=True)
    ssub.add_parser("start", help="start a master, workers and the Thrift server").set_defaults(func=cmd_spark_start)
    ssub.add_parser("stop", help="stop every process of the local cluster, by PID").set_defaults(func=cmd_spark_stop)
    ssub.add_parser("status", help="is the cluster up, and with how many workers").set_defaults(func=cmd_spark_status)
