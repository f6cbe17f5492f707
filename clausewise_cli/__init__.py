"""The `clausewise` command line: one console script on top of clausewise/, training/ and serving/."""
