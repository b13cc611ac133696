"""The web service: the pages people sign in to and work in, in four languages."""
