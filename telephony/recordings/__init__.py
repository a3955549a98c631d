"""Call recordings: whether a call is recorded, storing and serving the file, the access log
and retention."""
