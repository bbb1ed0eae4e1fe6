"""Running the crawl on several machines: Scrapyd nodes, a Redis channel, one SQLite writer.

A one-machine user needs none of this: `newscrawl crawl` and the scheduler crawl locally. On a
cluster (README, "Several machines"):

* crawler/cluster/nodeconf.py: the Scrapyd configuration of a node (`newscrawl cluster node`);
* crawler/cluster/channel.py: the Redis channel: events from nodes to the writer (a list), each
  job's snapshot, the writer's heartbeat, the jobs in flight;
* crawler/cluster/node.py: ``NodeDB``, the crawl's database on a node: the site's snapshot, read
  locally, every write also sent to the writer (crawler/runs.py picks it when
  ``NEWS_CLUSTER_REDIS`` is set);
* crawler/cluster/ingest.py: the one writer (`newscrawl cluster ingest`), applying each event
  once through the store, committing each as it arrives;
* crawler/cluster/scrapyd.py: a node's HTTP API (schedule.json, listjobs.json);
* crawler/cluster/dispatch.py: one job per site on the least busy node, followed to its end
  (`newscrawl cluster crawl`, and the scheduler when schedule.toml has a [cluster] table);
* crawler/cluster/command.py: the `newscrawl cluster` commands.
"""
