"""Scrapy settings for tracker (``scrapy.cfg``: ``default = tracker.settings``).

Polite by default: robots.txt obeyed, AutoThrottle on, at most two requests at a time per site,
a User-Agent naming the tool and a contact URL. Override any of them with ``-s NAME=VALUE``
(``scrapy crawl`` and ``tracker crawl`` alike).
"""

from tracker import __version__

BOT_NAME = "tracker"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# Where the crawl stores what it finds (a spider argument ``-a db=...`` wins).
TRACKER_DB = "tracker.db"
# A page about your crawl (who runs it, how to opt out); it goes into the User-Agent.
TRACKER_CONTACT_URL = "https://github.com/tracker-project/tracker"
# Extraction worker processes (0: one per CPU).
TRACKER_EXTRACT_PROCESSES = 0
# Pages handed to a worker at once (fewer hand-offs keep the reactor free for downloads).
TRACKER_EXTRACT_BATCH = 8
# A fixed "now" (ISO 8601) for the recheck schedule, to play a later crawl in demos and tests.
TRACKER_NOW = None
# Seconds between progress lines when the output is not a terminal.
TRACKER_PROGRESS_INTERVAL = 10.0

USER_AGENT = f"tracker/{__version__} (+{TRACKER_CONTACT_URL})"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
RETRY_TIMES = 2
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# No control port on unattended crawls (cron, Scrapyd); Scrapyd has its own API.
REMOTE_CONTROL_ENABLED = False
# Rechecks answer 304 Not Modified to a conditional GET; the spider counts them.
HTTPERROR_ALLOWED_CODES = [304]

# No internal addresses (loopback, private, link-local, ...) unless the sources file allows
# them: every connection's resolved address is checked (tracker.netguard), and a middleware
# refuses literal addresses, names behind a proxy and non-HTTP schemes.
TWISTED_DNS_RESOLVER = "tracker.netguard.GuardedResolver"
DOWNLOADER_MIDDLEWARES = {
    # Scrapy's own, with every request waiting for a host's robots.txt checked against it
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "tracker.middlewares.RobotsTxtMiddleware": 100,
    "tracker.middlewares.PolitenessMiddleware": 760,
    "tracker.middlewares.NetGuardMiddleware": 770,
    "tracker.capture.WarcCaptureMiddleware": 595,  # before HttpCompression (590): raw bytes
}
# Evidence (tracker.capture): every HTML page fetched is also written to WARC files in
# "<db stem>-warc/" beside the database (or TRACKER_WARC_DIR), a new file every
# TRACKER_WARC_MAX_BYTES; TRACKER_WARC = False writes none.
TRACKER_WARC = True
TRACKER_WARC_MAX_BYTES = 1_000_000_000
TRACKER_WARC_DIR = None
# zlib level of the WARC records, 1-9; None (the default): ISA-L's fast deflate (the isal
# package) at about zlib 3's size for a fifth of its CPU, or zlib's level 3 without isal. The
# crawl's process compresses every page it fetches (warcio's own level 9 costs ~3x zlib 3).
TRACKER_WARC_GZIP_LEVEL = None
# Internal addresses allowed besides the sources file's: true (all), or hosts and networks
# ("127.0.0.1:8080,10.0.0.0/8"); for crawls without a sources file (``--urls``) on a test web.
TRACKER_ALLOW_PRIVATE = False
# Only http and https are ever fetched (a page cannot send the crawler to file:// or ftp://).
DOWNLOAD_HANDLERS = {"file": None, "ftp": None, "s3": None, "data": None}
# The longest Retry-After (seconds) a 429/503 answer can make the crawl wait before it retries;
# a longer one gives up on the URL for this run and records when to come back.
TRACKER_RETRY_AFTER_MAX = 120

ITEM_PIPELINES = {"tracker.pipelines.StorePipeline": 300}
# The items of ONE response processed at a time (Scrapy starts this many asyncio tasks for every
# response). A page's response yields one page item, so pages are extracted concurrently across
# responses (CONCURRENT_REQUESTS), not here; 100 cost ~1 ms of the reactor's time per page.
CONCURRENT_ITEMS = 4

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
