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


@pytest.mark.parametrize(
    "args",
    [
        ["show", "https://a.example/x"],
        ["diff", "1", "2"],
        ["export", "1", "-o", "{tmp}/out.json"],
        ["watch"],
        ["serve", "--get", "/"],
        ["crawl", "--spider", "urls", "--urls", "{tmp}/urls.txt"],
    ],
)
def test_every_command_meets_an_unopenable_database_with_one_error_line(tmp_path, args):
    not_a_db = tmp_path / "notes.db"
    not_a_db.write_text("not a database " * 100)
    (tmp_path / "urls.txt").write_text("http://127.0.0.1:9/a\n")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(cli, [*args, "--db", str(not_a_db)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.output.strip().count("\n") == 0, result.output
    assert str(not_a_db.name) in result.output
