"""The daily run: features, signals, offers, policy, arbitration, capacity. Never imports Django."""
