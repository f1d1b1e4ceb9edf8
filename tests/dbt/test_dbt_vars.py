"""Pure functions of the dbt wiring: vars, command line and run config."""

from datetime import date

import pytest

from orchestration.defs.dbt.assets import (
    DBT_ASSETS_OP_NAME,
    DbtBuildConfig,
    build_dbt_vars,
    dbt_build_args,
    dbt_run_config,
)


def test_build_dbt_vars_passes_as_of_and_a_half_open_window():
    assert build_dbt_vars(date(2026, 3, 15)) == {"as_of": "2026-03-15"}
    assert build_dbt_vars(date(2026, 3, 15), date(2026, 2, 1), date(2026, 3, 1)) == {
        "as_of": "2026-03-15",
        "min_date": "2026-02-01",
        "max_date": "2026-03-01",
    }


@pytest.mark.parametrize(
    ("min_date", "max_date"),
    [(date(2026, 2, 1), None), (None, date(2026, 2, 1)), (date(2026, 2, 1), date(2026, 2, 1)),
     (date(2026, 2, 2), date(2026, 2, 1))],
)
def test_build_dbt_vars_rejects_incomplete_or_empty_windows(min_date, max_date):
    with pytest.raises(ValueError):
        build_dbt_vars(date(2026, 3, 15), min_date, max_date)


def test_dbt_build_args_default_to_today_and_pass_full_refresh():
    args = dbt_build_args(DbtBuildConfig(), today=date(2026, 1, 2))
    assert args == ["build", "--vars", '{"as_of": "2026-01-02"}']
    args = dbt_build_args(DbtBuildConfig(as_of="2026-03-15", full_refresh=True, min_date="2026-03-01",
                                         max_date="2026-03-02"))
    assert args[0] == "build" and args[-1] == "--full-refresh"
    assert '"min_date": "2026-03-01"' in args[2] and '"max_date": "2026-03-02"' in args[2]


def test_dbt_run_config_targets_the_dbt_op():
    assert dbt_run_config("2026-03-15") == {"ops": {DBT_ASSETS_OP_NAME: {"config": {
        "as_of": "2026-03-15", "full_refresh": False}}}}
    assert dbt_run_config(None, full_refresh=True)["ops"][DBT_ASSETS_OP_NAME]["config"] == {"full_refresh": True}
