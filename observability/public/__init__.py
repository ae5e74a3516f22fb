"""Public trace links: a trace marked public is readable by anyone holding its link, and nothing else is."""
