"""Scale out on Redis: many crawl workers share one frontier, one ingester writes the database.

The data's way in a distributed crawl, module by module:

* :mod:`tracker.distributed.connection`: Redis URLs (``redis://``, ``rediss://``, passwords),
  never logged with their password.
* :mod:`tracker.distributed.codec`: JSON in and out of Redis (requests, page records); nothing
  in Redis is ever unpickled, and what does not decode is rejected with one log line.
* :mod:`tracker.distributed.frontier`: the shared request queue (a Redis stream read by a
  consumer group, so what a dead worker had taken is reclaimed) and the run's seen-set, as a
  Scrapy scheduler plus the middlewares that acknowledge a request once it is fully handled.
* :mod:`tracker.distributed.results`: the workers' item pipeline, extracting pages and pushing
  each record to the results stream.
* :mod:`tracker.distributed.ingest`: the single writer, storing records through
  :mod:`tracker.pipeline` and acknowledging them only after they are committed.
* :mod:`tracker.distributed.lsh`: an optional LSH index shared through Redis (datasketch's
  Redis storage), for deployments with more than one ingester.
* :mod:`tracker.distributed.commands`: ``tracker crawl --redis`` and ``tracker ingest``.
"""
