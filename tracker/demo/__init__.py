"""tracker's demo: a small web of news sites on loopback, with reposts, credits and edits."""
