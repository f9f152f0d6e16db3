"""How requests arrive: received mail, the public web form, and the acknowledgement each gets."""
