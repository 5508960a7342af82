"""Scrapy settings for tracker (``scrapy.cfg``: ``default = tracker.settings``)."""

from tracker import __version__

BOT_NAME = "tracker"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
