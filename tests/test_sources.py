"""The sources file: parsing, validation messages (file, line, key) and the recheck schedule."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.sources import SourcesError, load_sources, next_check, parse_duration, parse_sources

ROOT = Path(__file__).resolve().parent.parent

GOOD = """\
sites:
  - name: TRANSCEND Media Service
    domain: transcend.org
    feeds: [https://www.transcend.org/tms/feed/]
    sitemaps: []
    start_urls: [https://www.transcend.org/tms/]
    article_urls: ['/tms/\\d{4}/\\d{2}/']
  - name: Feed only
    feeds: ['https://example.net/rss?utm_source=x#top']
follow_credits: 1
recheck: [1h, 6h, 1d, 3d, 7d]
"""


def test_parse_good_file():
    sources = parse_sources(GOOD, "s.yml")
    first, second = sources.sites
    assert first.name == "TRANSCEND Media Service"
    assert first.site == "transcend.org"
    assert first.feeds == ["https://www.transcend.org/tms/feed/"]
    assert first.is_article("https://www.transcend.org/tms/2024/01/x/")
    assert not first.is_article("https://www.transcend.org/tms/about/")
    # Without a domain, the site comes from its first URL; URLs are normalised.
    assert second.site == "example.net"
    assert second.feeds == ["https://example.net/rss"]
    assert second.is_article("https://example.net/anything")
    assert sources.follow_credits == 1
    assert sources.recheck == [timedelta(hours=h) for h in (1, 6, 24, 72, 168)]
    assert sources.site_for("https://www.transcend.org/tms/x") is first
    assert sources.site_for("https://elsewhere.org/") is None


def test_defaults_and_domain_only_site():
    sources = parse_sources("sites:\n  - name: A\n    domain: a.example.org\n")
    assert sources.follow_credits == 1
    assert len(sources.recheck) == 5
    assert sources.sites[0].start_urls == ["https://example.org/"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD.replace("sitemaps: []", "sitemap: []"), "s.yml:5: sites[0].sitemap: unknown key"),
        (
            GOOD.replace("follow_credits: 1", "follow_credit: 1"),
            "s.yml:10: follow_credit: unknown key",
        ),
        (
            GOOD.replace("https://www.transcend.org/tms/feed/", "htps://www.transcend.org/feed"),
            "s.yml:4: sites[0].feeds[0]: 'htps://www.transcend.org/feed' is not an http(s) URL",
        ),
        (
            GOOD.replace("'/tms/\\d{4}/\\d{2}/'", "'/tms/(\\d{4}/'"),
            "s.yml:7: sites[0].article_urls[0]: bad regular expression",
        ),
        (GOOD.replace("3d", "3 days"), "s.yml:11: recheck[3]: '3 days' is not a duration"),
        (
            GOOD.replace("follow_credits: 1", "follow_credits: one"),
            "s.yml:10: follow_credits: expected a whole number",
        ),
        (
            GOOD.replace("follow_credits: 1", "follow_credits: -1"),
            "s.yml:10: follow_credits: must be at least 0",
        ),
        ("sites:\n  - domain: x.org\n", "s.yml:2: sites[0]: a site needs a name"),
        ("sites:\n  - name: X\n", "s.yml:2: sites[0]: a site needs a domain or at least one feed"),
        ("follow_credits: 1\n", "s.yml:1: sites: missing"),
        ("sites: [a, b\n", "s.yml:2: YAML syntax error"),
        ("", "s.yml: the file is empty"),
        (
            "sites:\n  - name: A\n    domain: a.org\n  - name: B\n    domain: www.a.org\n",
            "s.yml:5: sites[1].domain: a.org is listed twice (A and B)",
        ),
        (
            "sites:\n  - name: B\n    feeds: [https://a.org/feed]\n  - name: C\n"
            "    start_urls: [https://www.a.org/]\n",
            "s.yml:4: sites[1].domain: a.org is listed twice (B and C)",
        ),
        # Spiders must never confuse two sites: a name is given once too.
        (
            "sites:\n  - name: A\n    domain: a.org\n  - name: A\n    domain: b.org\n",
            "s.yml:4: sites[1].name: 'A' is listed twice (also sites[0])",
        ),
        (
            "sites:\n  - name: A\n    domain: 'http://'\n",
            "s.yml:3: sites[0].domain: 'http://' has a scheme or a path",
        ),
        (
            "sites:\n  - name: A\n    domain: https://a.org/\n",
            "s.yml:3: sites[0].domain: 'https://a.org/' has a scheme or a path",
        ),
        (
            "sites:\n  - name: A\n    domain: a.org/news\n",
            "s.yml:3: sites[0].domain: 'a.org/news' has a scheme or a path",
        ),
        (
            "sites:\n  - name: A\n    domain: intranet\n",
            "s.yml:3: sites[0].domain: 'intranet' needs a dot",
        ),
        (
            "sites:\n  - name: A\n    domain: a..org\n",
            "s.yml:3: sites[0].domain: 'a..org' is not a valid",
        ),
        (
            "sites:\n  - name: A\n    domain: 'a.org:99999'\n",
            "s.yml:3: sites[0].domain: 'a.org:99999' has a bad port",
        ),
        (
            "sites:\n  - name: A\n    feeds: ['http://x.org:99999/feed']\n",
            "s.yml:3: sites[0].feeds[0]: 'http://x.org:99999/feed' is not an http(s) URL"
            " (port 99999 is out of range 0-65535)",
        ),
        (
            "sites:\n  - name: A\n    domain: a.org\n    start_urls: ['http://[::1']\n",
            "s.yml:4: sites[0].start_urls[0]: 'http://[::1' is not an http(s) URL"
            " (broken IPv6 address: unmatched [ or ])",
        ),
    ],
)
def test_errors_name_file_line_and_key(text, expected):
    with pytest.raises(SourcesError) as info:
        parse_sources(text, "s.yml")
    assert str(info.value).startswith(expected), str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("domain", ["localhost:8080", "127.0.0.1:9", "[::1]:8080", "bbc.co.uk."])
def test_bare_hosts_with_ports_are_domains(domain):
    [site] = parse_sources(f"sites:\n  - name: A\n    domain: '{domain}'\n").sites
    assert site.start_urls[0].startswith("https://") and "///" not in site.start_urls[0]


def test_file_not_utf8_is_one_clear_error(tmp_path):
    path = tmp_path / "latin1.yml"
    path.write_bytes("sites:\n  - name: Caf\u00e9\n    domain: a.org\n".encode("latin-1"))
    with pytest.raises(SourcesError) as info:
        load_sources(path)
    assert str(info.value) == (f"{path}:2: not UTF-8 text (byte 0xe9); save the file as UTF-8")


def test_missing_file(tmp_path):
    with pytest.raises(SourcesError, match="cannot read sources file"):
        load_sources(tmp_path / "nope.yml")


def test_example_file_is_valid():
    sources = load_sources(ROOT / "sources.example.yml")
    assert sources.sites
    assert all(site.feeds or site.sitemaps or site.start_urls for site in sources.sites)


def test_durations():
    assert parse_duration("90m") == timedelta(minutes=90)
    assert parse_duration("2w") == timedelta(weeks=2)
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_next_check_counts_from_first_seen_and_ends():
    schedule = [timedelta(hours=1), timedelta(hours=6), timedelta(days=1)]
    first = "2024-01-01T00:00:00+00:00"
    at = lambda **kw: datetime(2024, 1, 1, tzinfo=UTC) + timedelta(**kw)  # noqa: E731
    assert next_check(first, at(seconds=1), schedule) == "2024-01-01T01:00:00+00:00"
    # A run that missed slots goes to the next slot still ahead.
    assert next_check(first, at(hours=7), schedule) == "2024-01-02T00:00:00+00:00"
    assert next_check(first, at(days=2), schedule) is None


def test_cli_reports_bad_sources_in_one_line(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("sites:\n  - name: A\n    feeds: [ftp://a.org/feed]\n")
    result = CliRunner().invoke(
        cli, ["crawl", "--sources", str(bad), "--db", str(tmp_path / "t.db")]
    )
    assert result.exit_code == 1
    assert f"{bad}:3: sites[0].feeds[0]: 'ftp://a.org/feed' is not an http(s) URL" in result.output
    assert "Traceback" not in result.output


def test_cli_needs_sources(tmp_path):
    result = CliRunner().invoke(cli, ["crawl", "--db", str(tmp_path / "t.db")])
    assert result.exit_code == 1
    assert "--sources is required" in result.output


def test_crawl_help_has_example():
    result = subprocess.run(
        [sys.executable, "-c", "from tracker.cli import cli; cli()", "crawl", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Example:" in result.stdout
    assert "tracker crawl --sources sources.yml" in result.stdout


@pytest.mark.parametrize("opening, closing", [("[", "]"), ("{a: ", "}"), ("- ", "")])
def test_deeply_nested_yaml_is_one_clear_error(tmp_path, opening, closing):
    deep = tmp_path / "deep.yml"
    if closing:
        deep.write_text("sites: " + opening * 5000 + "1" + closing * 5000 + "\n")
    else:
        deep.write_text("sites:\n" + "".join("  " * i + "-\n" for i in range(3000)))
    with pytest.raises(SourcesError) as info:
        load_sources(deep)
    assert str(info.value).startswith(str(deep))
    result = _tracker("crawl", "--sources", str(deep), "--db", str(tmp_path / "t.db"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def _tracker(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from tracker.cli import cli; cli()", *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.parametrize(
    "setting, message",
    [
        ("DOWNLOAD_DELAY=abc", "Error: setting DOWNLOAD_DELAY='abc': expected a number"),
        ("ROBOTSTXT_OBEY=maybe", "Error: setting ROBOTSTXT_OBEY='maybe': expected true or false"),
        ("TRACKER_ALLOW_PRIVATE=10.0.0.0/99", "Error: setting TRACKER_ALLOW_PRIVATE: "),
    ],
)
def test_bad_setting_is_one_line_and_non_zero_exit(tmp_path, setting, message):
    result = _tracker(
        "crawl", "--urls", "-", "--db", str(tmp_path / "t.db"), "-s", setting, stdin=""
    )
    assert result.returncode == 1
    assert result.stderr.startswith(message), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "crawl summary" not in result.stdout  # refused before any spider started


def test_crawl_whose_spiders_fail_exits_non_zero_with_one_line_each(tmp_path):
    # A setting of the right kind that a spider still cannot use: every spider fails.
    sources = tmp_path / "s.yml"
    sources.write_text("sites:\n  - name: A\n    domain: a.example\n")
    result = _tracker(
        "crawl", "--sources", str(sources), "--db", str(tmp_path / "t.db"),
        "--spider", "feed", "--spider", "credits", "-s", "CONCURRENT_REQUESTS=1.5",
    )  # fmt: skip
    assert result.returncode == 1
    failures = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert [line.split(" failed:")[0] for line in failures] == [
        "Error: spider feed",
        "Error: spider credits",
    ]
    assert "'1.5'" in failures[0]
    assert "Traceback" not in result.stderr
