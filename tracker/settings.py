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

ITEM_PIPELINES = {"tracker.pipelines.StorePipeline": 300}
# Pages are processed concurrently: extraction runs in worker processes while the store waits.
CONCURRENT_ITEMS = 100

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
