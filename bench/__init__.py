"""``make bench``: throughput and peak memory, each measured beside the obvious alternative."""
