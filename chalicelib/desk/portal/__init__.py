"""What customers reach through their signed links: the status page and survey, the links
themselves, and an agent's revoking of them."""
