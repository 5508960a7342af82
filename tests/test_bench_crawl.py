"""The crawl benchmark's own parts: its page generator keeps every template an article page,
and its accounting calls a page lost unless it is stored or explained."""

import random
import sys

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import bench_crawl  # noqa: E402
import bench_machine  # noqa: E402

# A minified script with "p<q?" comparisons, as two New York Times pages of the corpus have:
# the generator once took "<p?t..." for a paragraph and filled the script's end with words.
TEMPLATE = (
    b"<html><head><script>for(h=0;h<p?t.charCodeAt(h):128;)x</p>y;</script>"
    b"<style>p{color:red}</style></head><body><article>"
    b'<p class="lead">First <a href="/x">linked</a> words here.</p><p>Second paragraph.</p>'
    b"<param name=a><pre>kept</pre></article></body></html>"
)


def test_generated_page_keeps_scripts_and_fills_paragraphs():
    vocab = bench_crawl.make_vocab(random.Random(1), size=50)
    page = bench_crawl.make_real_page(0, [TEMPLATE], vocab, seed=1)
    assert b"<script>for(h=0;h<p?t.charCodeAt(h):128;)x</p>y;</script>" in page
    assert b"<style>p{color:red}</style>" in page
    assert b"First" not in page and b"Second paragraph" not in page
    assert page.count(b'<p class="lead">') == 1 and b"<param name=a><pre>kept</pre>" in page
    # the same page index always gives the same bytes
    assert page == bench_crawl.make_real_page(0, [TEMPLATE], vocab, seed=1)


def test_accounting_complete_only_when_every_served_page_is_stored_or_explained():
    whole = bench_crawl.Accounting(
        served=3, stored=2, explained={"no article text": 1}, lost=[], loss_stats={}
    )
    assert whole.complete
    lost = bench_crawl.Accounting(
        served=3, stored=2, explained={}, lost=["http://127.0.0.1:1/a/00002.html"], loss_stats={}
    )
    assert not lost.complete


def test_machine_line_names_cpu_cores_load_and_numpy():
    line = bench_machine.machine_line()
    assert line.startswith("machine: ")
    assert " cores, load average " in line and "numpy" in line
