"""Code-review verification: every commit of the release reached it through an approved
review (GitHub pull requests, or signed git trailers), judged by the trusted policy."""
