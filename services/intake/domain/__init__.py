"""Intake's rules, pure and synchronous: a case's status (`status`), who may see and change it
(`access`), the changes it takes (`case`), what they say happened (`events`), and the limits on
what a case may hold (`bounds`)."""
