"""The staff bot in enterprise WeChat: parse a message, call app.services, format the reply."""
