"""Admins' rules in the desk: the stored, ordered list (`store`), the facts a ticket shows them
(`facts`), their evaluation at each trigger (`evaluation`), what they do after the write
(`effects`: mails, notifications) and the admin's "Test" (`trial`). The engine is `chalicelib.rules`."""
