"""The comment store: applies submissions, decisions and reviews to comment status and
serves the site a read API. It owns its database."""
