"""`make bench`: the system driven as its users drive it, next to the machine's raw limit."""
