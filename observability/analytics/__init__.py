"""Analytics over traces, observations and scores: the metrics query engine and its view registry."""
