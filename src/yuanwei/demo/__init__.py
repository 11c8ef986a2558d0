"""The demo bank generator: realistic, deterministic data in the contract of DESIGN §3."""
