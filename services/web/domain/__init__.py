"""The web service's rules: pure, synchronous, no I/O (accounts, sign-in, sessions, navigation).

No business rule of the fund lives here: the services decide those; these are the rules of the
door itself."""
