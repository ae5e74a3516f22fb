"""Media uploads: announced through the API, bytes through a signed upload URL, stored once per SHA-256."""
