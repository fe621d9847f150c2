"""Local HTTP servers that speak the outside providers' APIs, for the real clients to talk to."""
