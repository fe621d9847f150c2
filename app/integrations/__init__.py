"""Clients for the outside world (WeChat, WeCom, SMS): one interface, base URLs from config."""
