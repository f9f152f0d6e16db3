"""The customer side: public pages that need no sign-in (request form, status page, survey, help center)."""
