"""Every command has help with an example (sqlite-utils' habit)."""

import pytest
from click.testing import CliRunner

from tracker.cli import cli


def test_top_level_help_has_example():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_with_an_example(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output, f"tracker {name} --help shows no example"
    assert "tracker " + name in result.output.split("Example:")[1]


def test_unopenable_database_is_one_error_line(tmp_path):
    not_a_db = tmp_path / "notes.db"
    not_a_db.write_text("not a database")
    for args in (
        ["import", str(tmp_path), "--db", str(not_a_db)],
        ["import", str(tmp_path), "--db", str(tmp_path / "missing-dir" / "t.db")],
        ["cluster", "--db", str(not_a_db)],
    ):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1, args
        assert "cannot open as a tracker database" in result.output
        assert "Traceback" not in result.output
