"""What runs once a call has ended: its analysis by a language model, and the HTTP request
nodes marked "after the call"."""
