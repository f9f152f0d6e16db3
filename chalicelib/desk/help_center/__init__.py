"""Help-center articles: their rules as values, and drafting, publishing and finding them."""
