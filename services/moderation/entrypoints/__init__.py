"""What a person runs: the command line (cli/) and `moderation dev`. The roles' apps live in
their rooms (classifier/, store/, queue/, scoring_api/)."""
