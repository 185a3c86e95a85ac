"""Legal-risk checks: site term lists, article context and media-law rule packs."""
