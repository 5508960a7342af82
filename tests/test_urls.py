"""URLs canonicalised one way (w3lib's rules plus tracker's), IPv6 literals included."""

import pytest

from tracker.attribution import find_credits
from tracker.urls import is_http_url, listed_domain, normalize_url, page_key, resolve_link, site_of


def test_unicode_and_percent_encoded_paths_are_one_url():
    unicode = normalize_url("https://news.example/actualités/été")
    encoded = normalize_url("https://news.example/actualit%C3%A9s/%C3%A9t%C3%A9")
    assert unicode == encoded == "https://news.example/actualit%C3%A9s/%C3%A9t%C3%A9"


def test_tracker_choices_kept():
    assert (
        normalize_url("HTTPS://Example.com:443/a?utm_source=x&id=2#top")
        == "https://example.com/a?id=2"
    )
    assert normalize_url("http://example.com:80") == "http://example.com/"
    assert normalize_url("https://example.com/a?fbclid=1&gclid=2") == "https://example.com/a"
    assert normalize_url("http://127.0.0.1:8001/x") == "http://127.0.0.1:8001/x"


def test_query_order_and_idna_host_are_canonical():
    assert normalize_url("https://a.example/p?z=1&a=2") == normalize_url(
        "https://a.example/p?a=2&z=1"
    )
    assert normalize_url("https://BÜCHER.example/x") == "https://xn--bcher-kva.example/x"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://[2001:db8::1]/x", "http://[2001:db8::1]/x"),
        ("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"),
        ("http://[2001:db8::1]:8080/x#f", "http://[2001:db8::1]:8080/x"),
    ],
)
def test_ipv6_literals_parse(url, expected):
    assert is_http_url(url)
    assert normalize_url(url) == expected
    assert resolve_link("https://a.example/", url) == expected


def test_ipv4_mapped_ipv6_literal_parses():
    url = normalize_url("http://[::ffff:127.0.0.1]/")
    assert url.startswith("http://[::ffff:") and url.endswith("]/")
    assert site_of(url)


def test_a_page_with_ipv6_links_is_not_dropped():
    body = (
        "<html><body><article><p>Source: <a href='http://[2001:db8::1]/x'>Lab</a></p>"
        "<p>Mirror at <a href='http://[::ffff:127.0.0.1]/'>http://[::ffff:127.0.0.1]/</a></p></article></body></html>"
    )
    credits = find_credits(
        body, "https://copy.example/story", ["Mirror at http://[::ffff:127.0.0.1]/"]
    )
    assert [c.target_url for c in credits][0] == "http://[2001:db8::1]/x"


def test_site_of_unbracketed_ipv6_and_bad_ports_do_not_raise():
    assert site_of("2001:db8::1") == "2001:db8::1"
    assert site_of("http://x.example:99999/") == "x.example"


def test_page_key_drops_the_trailing_slash_before_a_query_too():
    assert page_key("https://www.x.example/a/?id=2") == page_key("http://x.example/a?id=2")
    assert page_key("https://x.example/?id=2") == page_key("https://x.example?id=2")
    assert page_key("https://x.example/a?id=2") != page_key("https://x.example/a?id=3")
    assert page_key("https://x.example/a/") == page_key("https://x.example/a") == "x.example/a"


@pytest.mark.parametrize(
    "other",
    [
        "https://m.x.example/news/story-1",
        "https://mobile.x.example/news/story-1/",
        "https://amp.x.example/news/story-1",
        "https://x.example/amp/news/story-1",
        "https://x.example/news/story-1/amp/",
        "https://x.example/news/story-1.amp",
        "https://x.example/news/story-1?amp",
        "https://x.example/news/story-1?amp=1&utm_source=t#top",
        "https://x.example/news/story-1?outputType=amp",
    ],
)
def test_page_key_one_page_under_its_mobile_and_amp_forms(other):
    assert page_key(other) == page_key("https://www.x.example/news/story-1")


def test_page_key_keeps_pages_apart_that_only_look_alike():
    assert page_key("https://x.example/news/a.amp.html") == page_key(
        "https://x.example/news/a.html"
    )
    assert page_key("https://x.example/amp") != page_key("https://x.example/")  # a page named amp
    assert page_key("https://m.example/a") != page_key("https://example/a")  # m.example is a site
    assert page_key("https://x.example/a?id=2&amp=1") != page_key("https://x.example/a?id=3")
    assert page_key("https://x.example/news/sample") != page_key("https://x.example/news/sam")


@pytest.mark.parametrize(
    "href",
    [
        "https://www.google.com/url?q=https%3A%2F%2Fharbour.example%2Fferry&sa=D&source=editors",
        "https://l.facebook.com/l.php?u=https%3A%2F%2Fharbour.example%2Fferry&h=AT0",
        "https://out.example/redirect?url=https://harbour.example/ferry",
        "https://harbour.example/ferry?PHPSESSID=0a1b2c3d",
        "https://harbour.example/ferry;jsessionid=0A1B2C",
    ],
)
def test_links_through_redirectors_and_with_sessions_lead_to_the_page(href):
    assert resolve_link("https://copy.example/a", href) == "https://harbour.example/ferry"


def test_a_query_holding_a_url_of_the_same_site_is_no_redirect():
    link = resolve_link(
        "https://copy.example/a", "https://copy.example/go?to=https://copy.example/b"
    )
    assert link == normalize_url("https://copy.example/go?to=https://copy.example/b")
    assert resolve_link("https://copy.example/a", "https://x.example/a?sid=7") == (
        "https://x.example/a?sid=7"  # "sid" is often a story's id, kept
    )


def test_an_internationalised_suffix_in_its_xn_form_is_still_a_suffix():
    """The suffix list is built without its rules' xn-- forms; an xn-- host is looked up in
    Unicode and its site given back in xn-- form ("個人.香港" is one suffix of two labels)."""
    host = "www.foo.個人.香港".encode("idna").decode("ascii")
    assert site_of(host) == "foo.個人.香港".encode("idna").decode("ascii")
    assert site_of("https://www.xn--e1afmkfd.xn--p1ai/x") == "xn--e1afmkfd.xn--p1ai"
    assert listed_domain("xn--e1afmkfd.xn--p1ai") == "xn--e1afmkfd.xn--p1ai"
    assert listed_domain("photo.jpg") is None
