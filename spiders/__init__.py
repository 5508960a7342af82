"""Scrapy spiders of tracker: feeds, sitemaps, site crawls, URL lists and credit links."""
