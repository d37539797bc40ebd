"""The applications app's pages, one module per area."""
